import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CliResult } from './cli.js';

const entry = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Only root can run a command as another user; root itself reads and writes any directory. */
export const canRunAsNobody = process.getuid?.() === 0;

/** Runs the real `opstate` command as user `nobody` (through runuser), to completion. */
export function cliAsNobody(args: readonly string[]): Promise<CliResult> {
  const child = spawn(
    'runuser',
    ['-u', 'nobody', '--', process.execPath, '--import', tsxLoader, entry, ...args],
    { cwd: '/', env: { ...process.env, HOME: '/tmp', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
