/*
 * `npm run bench [-- --quick]`: opstate against its baselines, every comparison a ratio measured in the
 * same run. Writes bench/results/latest.json and prints a Markdown table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { burst } from './cases/burst.js';
import { canonicalCheck } from './cases/canonical-check.js';
import { durableSequential } from './cases/durable-sequential.js';
import { embedWeight } from './cases/embed-weight.js';
import { emitPath } from './cases/emit-path.js';
import { footprint } from './cases/footprint.js';
import { embeddedFootprint, eventLoopDelay } from './cases/embedded.js';
import { embeddedRates } from './cases/embedded-rates.js';
import { importCost } from './cases/import-cost.js';
import { metricsCost } from './cases/metrics-cost.js';
import { pgFleet } from './cases/pg-fleet.js';
import { pgStaleStats } from './cases/pg-stale-stats.js';
import { sqlitePeers } from './cases/sqlite-peers.js';
import { sqliteWrites } from './cases/sqlite-writes.js';
import { sqliteBatchParts } from './cases/sqlite-batch-parts.js';
import { resumeCase } from './cases/resume.js';
import { NO_PG, openPostgresSubject, openSqliteSubject, type Subject } from './cases/subjects.js';
import { transitionCost } from './cases/transition-cost.js';
import { verifyCase } from './cases/verify.js';
import { type CaseResult, notRun, settings } from './harness.js';
import { benchPostgres } from './pg-server.js';

const quick = process.argv.includes('--quick');
/** `--only postgres`: just the PostgreSQL cases (for working on the PostgreSQL store). */
const only = process.argv[process.argv.indexOf('--only') + 1];
const onlyPostgres = process.argv.includes('--only') && only === 'postgres';
/** `--only metrics`: transition cost with and without OpenTelemetry, and import cost. */
const onlyMetrics = process.argv.includes('--only') && only === 'metrics';
/** `--only sqlite`: just the embedded store's cases (its peers, bursts, writes per commit, weight). */
const onlySqlite = process.argv.includes('--only') && only === 'sqlite';
const s = settings(quick);

function fmt(n: number | null, digits = 0): string {
  if (n === null || !Number.isFinite(n)) return '–';
  return n >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(digits);
}

/** The ratio, with its min–max over rounds when the case took it per round. */
function ratioText(c: CaseResult): string {
  if (c.ratio === null) return '–';
  const spread = c.spread === undefined ? '' : ` (${c.spread.min.toFixed(2)}–${c.spread.max.toFixed(2)})`;
  return `${c.ratio.toFixed(2)}×${spread}`;
}

export function markdownTable(cases: readonly CaseResult[]): string {
  const rows = [
    '| case | value | baseline | baseline value | ratio | target | met |',
    '| --- | ---: | --- | ---: | ---: | --- | :---: |',
  ];
  for (const c of cases) {
    const met = c.met === null ? '–' : c.met ? 'yes' : '**no**';
    const range = (r: CaseResult['range']) => (r ? ` (${fmt(r.min)}–${fmt(r.max)})` : '');
    const value = Number.isFinite(c.value)
      ? `${fmt(c.value, 1)} ${c.unit}${range(c.range)}`
      : (c.note ?? '–');
    const name = Number.isFinite(c.value) && c.note !== undefined ? `${c.name} (${c.note})` : c.name;
    rows.push(
      `| ${name} | ${value} | ${c.baseline ?? '–'} | ${fmt(c.baselineValue, 1)}${range(c.baselineRange)} | ${ratioText(c)} | ${c.target ?? '–'} | ${met} |`,
    );
  }
  return rows.join('\n');
}

const server = process.argv[1]?.endsWith('run.ts') ? benchPostgres() : null;

async function main(): Promise<void> {
  const started = Date.now();
  const cases: CaseResult[] = [];
  const section = async (label: string, run: () => Promise<CaseResult[]>) => {
    process.stderr.write(`bench: ${label}…\n`);
    cases.push(...(await run()));
  };
  const general = !onlyPostgres && !onlySqlite;
  if (general) await section('transition cost', () => transitionCost(s));
  if (general) await section('transition cost with OpenTelemetry metrics', () => metricsCost(s));
  if (general && !onlyMetrics) await section('emit path (stand-in SQLite store)', () => emitPath(s));
  if (general && !onlyMetrics) await section('canonical check', () => canonicalCheck(s));

  // Each database's cases run together, on one store, so its baselines share its conditions.
  const pgUrl = server?.url ?? null;
  const stores: [label: string, open: (() => Promise<Subject>) | null][] = [
    ...(onlyPostgres ? [] : [['SQLite', openSqliteSubject] as [string, () => Promise<Subject>]]),
    ...(onlySqlite
      ? []
      : [
          ['PostgreSQL', pgUrl === null ? null : () => openPostgresSubject(pgUrl)] as [
            string,
            (() => Promise<Subject>) | null,
          ],
        ]),
  ];
  for (const [label, open] of onlyMetrics ? [] : stores) {
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
      if (label === 'PostgreSQL' && pgUrl !== null) {
        await section('PostgreSQL fleet (raw, opstate, Emmett 0.42)', () => pgFleet(s, pgUrl, subject.store));
        await section('PostgreSQL keyed appends under stale statistics', () => pgStaleStats(s, pgUrl));
      }
      if (!onlySqlite) await section(`verify, ${label}`, () => verifyCase(s, subject));
    } finally {
      await subject.close();
    }
  }
  if (!onlyPostgres && !onlyMetrics) {
    await section('SQLite peers (raw, opstate, Emmett-sqlite 0.42), 4 cases', () => sqlitePeers(s));
    await section('SQLite writes per commit', () => sqliteWrites(s));
    await section('SQLite 500-event batch, CPU by part', () => sqliteBatchParts(s));
    await section('embedding weight beside Emmett-sqlite 0.42', () => embedWeight(s));
  }
  if (general && !onlyMetrics) {
    await section('footprint', () => footprint(s));
    await section('embedded store footprint and open', () => embeddedFootprint(s));
    await section('event-loop delay', () => eventLoopDelay(s));
    await section('resume from the chain', () => resumeCase(s));
  }
  if (!onlyPostgres) await section('import cost', () => importCost(s));

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

// Only when run as the script: bench/resume.ts imports the table format from here.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main()
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(() => server?.stop());
}
