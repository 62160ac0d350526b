/*
 * `npm run bench:resume [-- --quick]`: only the resume rows (a million-event chain is built first, which
 * takes a while), printed as the Markdown table `npm run bench` prints.
 */
import { resumeCase } from './cases/resume.js';
import { settings } from './harness.js';
import { markdownTable } from './run.js';

const rows = await resumeCase(settings(process.argv.includes('--quick')));
process.stdout.write(`${markdownTable(rows)}\n`);
