import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type BenchSettings, type CaseResult, median, ratioCase, spreadOf } from '../harness.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const PROBE = fileURLToPath(new URL('../probes/embed-rss.mjs', import.meta.url));
const KINDS = ['bare', 'raw', 'emmett', 'opstate-store', 'opstate-runtime', 'xstate-chart'] as const;
/**
 * Run a second time with V8's young generation held at its starting size: how much of the runtime's
 * figure is that generation growing. Its growth is V8's call, made on the bytes that survived scavenges
 * so far, and an embedding process can cap it with this flag.
 */
const CAPPED = ['bare', 'emmett', 'opstate-runtime'] as const;
const CAP_FLAG = '--max-semi-space-size=1';
type Kind = (typeof KINDS)[number] | `${(typeof CAPPED)[number]}@capped`;
const MiB = 2 ** 20;

/**
 * What embedding the store costs a process, beside Emmett-sqlite 0.42: resident memory after writing
 * 1,000 events, above a bare node process, and the time of importing the library. Each sample is a fresh
 * plain-node process (bench/probes/embed-rss.mjs) on a new file, kinds interleaved; opstate is imported
 * from its built entry (rebuilt first), as an installed package is. A diagnostic row runs the chart alone
 * on a bare XState actor for the runtime's 1,000 transitions: the part of the runtime's weight that is
 * XState's (its allocations grow V8's young generation whatever runs around it). Another runs the runtime
 * and Emmett with that generation capped at its starting size (CAPPED).
 */
export async function embedWeight(s: BenchSettings): Promise<CaseResult[]> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root });
  await run(process.execPath, ['scripts/copy-migrations.mjs'], { cwd: root });
  const dir = mkdtempSync(join(tmpdir(), 'opstate-bench-embed-'));
  const samples = s.quick ? 3 : 7;
  const rss = new Map<Kind, number[]>();
  const importMs = new Map<Kind, number[]>();
  try {
    for (let k = 0; k < samples; k++) {
      const plain = KINDS.map((kind) => [kind, kind, []] as const);
      const capped = CAPPED.map((kind) => [`${kind}@capped`, kind, [CAP_FLAG]] as const);
      for (const [kind, probe, flags] of [...plain, ...capped]) {
        const { stdout } = await run(
          process.execPath,
          ['--expose-gc', ...flags, PROBE, probe, join(dir, `${kind}-${k}.db`)],
          { cwd: root, timeout: 120_000 },
        );
        const r = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { rss: number; importMs: number };
        rss.set(kind, [...(rss.get(kind) ?? []), r.rss]);
        importMs.set(kind, [...(importMs.get(kind) ?? []), r.importMs]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Per sample, above the bare process of the same round and flags.
  const added = (kind: Kind) => {
    const bare = rss.get(kind.endsWith('@capped') ? 'bare@capped' : 'bare') ?? [];
    return spreadOf((rss.get(kind) ?? []).map((v, i) => (v - (bare[i] ?? Number.NaN)) / MiB));
  };
  const emmett = added('emmett');
  const raw = added('raw');
  const rows: CaseResult[] = [];
  for (const kind of ['opstate-store', 'opstate-runtime'] as const) {
    const mine = added(kind);
    rows.push(
      ratioCase({
        name: `RSS added by embedding, ${kind === 'opstate-store' ? 'opstate store (1,000 events appended)' : 'opstate runtime (1,000 transitions)'} on SQLite`,
        value: mine.median,
        range: mine,
        unit: 'MiB',
        baseline: 'Emmett-sqlite 0.42, 1,000 events appended',
        baselineValue: emmett.median,
        baselineRange: emmett,
        target: '≤ 1.5× Emmett-sqlite',
        better: 'lower',
        targetRatio: 1.5,
        note: `raw better-sqlite3 ${raw.median.toFixed(1)} MiB; above bare node, ${samples} processes each`,
      }),
    );
  }
  // The floor under the runtime row: XState running the chart, nothing else (no store, no runtime).
  const chart = added('xstate-chart');
  rows.push(
    ratioCase({
      name: '  diagnostic: RSS added by the chart alone on a bare XState actor (1,000 transitions, no store)',
      value: chart.median,
      range: chart,
      unit: 'MiB',
      baseline: 'Emmett-sqlite 0.42, 1,000 events appended',
      baselineValue: emmett.median,
      baselineRange: emmett,
      target: null,
      better: 'lower',
      targetRatio: null,
      note: `above bare node, ${samples} processes each`,
    }),
  );
  const cappedRuntime = added('opstate-runtime@capped');
  const cappedEmmett = added('emmett@capped');
  rows.push(
    ratioCase({
      name: `  diagnostic: RSS added by the runtime (1,000 transitions), both processes run with ${CAP_FLAG}`,
      value: cappedRuntime.median,
      range: cappedRuntime,
      unit: 'MiB',
      baseline: `Emmett-sqlite 0.42, 1,000 events appended, ${CAP_FLAG}`,
      baselineValue: cappedEmmett.median,
      baselineRange: cappedEmmett,
      target: null,
      better: 'lower',
      targetRatio: null,
      note: `V8's young generation held at its starting size in both; above bare node with the same flag, ${samples} processes each`,
    }),
  );
  const myImport = spreadOf(importMs.get('opstate-store') ?? []);
  const emImport = spreadOf(importMs.get('emmett') ?? []);
  rows.push(
    ratioCase({
      name: 'import time: `import "opstate"` (built entry) beside Emmett-sqlite 0.42',
      value: myImport.median,
      range: myImport,
      unit: 'ms',
      baseline: 'import of @event-driven-io/emmett-sqlite',
      baselineValue: emImport.median,
      baselineRange: emImport,
      target: null,
      better: 'lower',
      targetRatio: null,
      note: `raw better-sqlite3 ${median(importMs.get('raw') ?? []).toFixed(1)} ms; ${samples} processes each`,
    }),
  );
  return rows;
}
