/*
 * `npm run bench [-- --quick]`: opstate against its baselines, every comparison a ratio measured in the
 * same run. Writes bench/results/latest.json and prints a Markdown table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { burst } from './cases/burst.js';
import { durableSequential } from './cases/durable-sequential.js';
import { footprint } from './cases/footprint.js';
import { embeddedFootprint, embeddedRates, eventLoopDelay } from './cases/embedded.js';
import { importCost } from './cases/import-cost.js';
import { NO_PG, openPostgresSubject, openSqliteSubject, PG_URL, type Subject } from './cases/subjects.js';
import { transitionCost } from './cases/transition-cost.js';
import { verifyCase } from './cases/verify.js';
import { type CaseResult, notRun, settings } from './harness.js';

const quick = process.argv.includes('--quick');
const s = settings(quick);

function fmt(n: number | null, digits = 0): string {
  if (n === null || !Number.isFinite(n)) return '–';
  return n >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(digits);
}

export function markdownTable(cases: readonly CaseResult[]): string {
  const rows = [
    '| case | value | min–max | baseline | baseline value | ratio | target | met |',
    '| --- | ---: | ---: | --- | ---: | ---: | --- | :---: |',
  ];
  for (const c of cases) {
    const met = c.met === null ? '–' : c.met ? 'yes' : '**no**';
    const value = Number.isFinite(c.value) ? `${fmt(c.value, 1)} ${c.unit}` : (c.note ?? '–');
    const name = Number.isFinite(c.value) && c.note !== undefined ? `${c.name} (${c.note})` : c.name;
    const range = c.range === undefined ? '–' : `${fmt(c.range[0], 1)}–${fmt(c.range[1], 1)}`;
    rows.push(
      `| ${name} | ${value} | ${range} | ${c.baseline ?? '–'} | ${fmt(c.baselineValue, 1)} | ${c.ratio === null ? '–' : `${c.ratio.toFixed(2)}×`} | ${c.target ?? '–'} | ${met} |`,
    );
  }
  return rows.join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const cases: CaseResult[] = [];
  const section = async (label: string, run: () => Promise<CaseResult[]>) => {
    process.stderr.write(`bench: ${label}…\n`);
    cases.push(...(await run()));
  };
  await section('transition cost', () => transitionCost(s));

  // Each database's cases run together, on one store, so its baselines share its conditions.
  const pgUrl = PG_URL;
  const stores: [label: string, open: (() => Promise<Subject>) | null][] = [
    ['SQLite', openSqliteSubject],
    ['PostgreSQL', pgUrl === null ? null : () => openPostgresSubject(pgUrl)],
  ];
  for (const [label, open] of stores) {
    if (open === null) {
      cases.push(
        notRun(`durable emit, sequential, ${label}`, 'events/s', '≥ 0.9× raw single-row INSERT', NO_PG),
        notRun(`burst, ${label}`, 'events/s', '≥ 20× sequential', NO_PG),
        notRun(`verify, ${label}`, 'events/s', '≥ 200,000 events/s', NO_PG),
      );
      process.stderr.write(`bench: ${label} cases did not run: ${NO_PG}\n`);
      continue;
    }
    const subject = await open();
    try {
      let sequential = Number.NaN;
      await section(`durable emit, sequential, ${label}`, async () => {
        const { rows, eventsPerSecond } = await durableSequential(s, subject);
        sequential = eventsPerSecond;
        return rows;
      });
      if (subject.label === 'SQLite') {
        await section('embedded store rates', () => embeddedRates(s, subject, sequential));
      }
      await section(`burst, ${label}`, () => burst(s, subject, sequential));
      await section(`verify, ${label}`, async () => [await verifyCase(s, subject)]);
    } finally {
      await subject.close();
    }
  }
  await section('footprint', () => footprint(s));
  await section('embedded store footprint and open', () => embeddedFootprint(s));
  await section('event-loop delay', () => eventLoopDelay(s));
  await section('import cost', () => importCost(s));

  const cpu = cpus();
  const report = {
    machine: {
      cpu: cpu[0]?.model ?? 'unknown',
      cores: cpu.length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    date: new Date().toISOString(),
    quick,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    cases,
  };
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}latest.json`, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `\n${markdownTable(cases)}\n\nMachine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}. ${quick ? 'Quick mode. ' : ''}Took ${report.durationSeconds} s.\n`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
