import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
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
 * These processes then sit idle for SETTLE_MS and are measured again: an agent embedding the runtime
 * spends most of its life between transitions, and V8's memory reducer gives back a young generation
 * grown by a burst of work about 8 s after the work ends (the wait leaves it a margin). The idle tails
 * overlap the next probes: RSS is per process, and an idle probe takes next to no CPU from them (the
 * memory reducer's one collection aside).
 */
const SETTLED = ['bare', 'emmett', 'opstate-store', 'opstate-runtime'] as const;
const SETTLE_MS = 12_000;

interface ProbeRun {
  /** The line printed once the work is done and garbage collected. */
  readonly done: Promise<{ rss: number; importMs: number }>;
  /** The line printed after SETTLE_MS idle, for the SETTLED kinds. */
  readonly settled: Promise<{ settledRss: number; newSpaceMiB: number }>;
}

/** One probe process; `done` resolves at its first line, while the process may still be settling. */
function probe(args: readonly string[]): ProbeRun {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const ended = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`embed probe ${args.join(' ')} ended with ${code ?? signal}: ${stderr.trim()}`));
    });
  });
  const waiting: ((line: string) => void)[] = [];
  const seen: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    seen.push(line);
    waiting[seen.length - 1]?.(line);
  });
  const line = <T>(n: number): Promise<T> =>
    Promise.race([
      new Promise<T>((resolve) => {
        waiting[n] = (text) => resolve(JSON.parse(text) as T);
        const early = seen[n];
        if (early !== undefined) resolve(JSON.parse(early) as T);
      }),
      ended.then(() => {
        throw new Error(`embed probe ${args.join(' ')} printed no line ${n + 1}: ${seen.join('\n')}`);
      }),
    ]);
  const settled = line<{ settledRss: number; newSpaceMiB: number }>(1);
  // Awaited only for the SETTLED kinds; the others exit after their first line.
  settled.catch(() => {});
  return { done: line<{ rss: number; importMs: number }>(0), settled };
}

/**
 * What embedding the store costs a process, beside Emmett-sqlite 0.42: resident memory after writing
 * 1,000 events, above a bare node process, and the time of importing the library. Each sample is a fresh
 * plain-node process (bench/probes/embed-rss.mjs) on a new file, kinds interleaved; opstate is imported
 * from its built entry (rebuilt first), as an installed package is. A diagnostic row runs the chart alone
 * on a bare XState actor for the runtime's 1,000 transitions: the part of the runtime's weight that is
 * XState's (its allocations grow V8's young generation whatever runs around it). Another runs the runtime
 * and Emmett with that generation capped at its starting size (CAPPED), and another measures the same
 * processes again after they sat idle (SETTLED).
 */
export async function embedWeight(s: BenchSettings): Promise<CaseResult[]> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root });
  await run(process.execPath, ['scripts/copy-migrations.mjs'], { cwd: root });
  const dir = mkdtempSync(join(tmpdir(), 'opstate-bench-embed-'));
  const samples = s.quick ? 3 : 7;
  const rss = new Map<Kind, number[]>();
  const importMs = new Map<Kind, number[]>();
  const settledRss = new Map<Kind, number[]>();
  const shrunk = { settled: 0, of: 0 };
  try {
    const settling: Promise<void>[] = [];
    for (let k = 0; k < samples; k++) {
      const plain = KINDS.map((kind) => [kind, kind, []] as const);
      const capped = CAPPED.map((kind) => [`${kind}@capped`, kind, [CAP_FLAG]] as const);
      for (const [kind, what, flags] of [...plain, ...capped]) {
        const settles = flags.length === 0 && (SETTLED as readonly string[]).includes(what);
        const args = ['--expose-gc', ...flags, PROBE, what, join(dir, `${kind}-${k}.db`)];
        const p = probe(settles ? [...args, String(SETTLE_MS)] : args);
        const r = await p.done;
        rss.set(kind, [...(rss.get(kind) ?? []), r.rss]);
        importMs.set(kind, [...(importMs.get(kind) ?? []), r.importMs]);
        if (!settles) continue;
        const slot = (settledRss.get(kind) ?? []).length;
        settledRss.set(kind, [...(settledRss.get(kind) ?? []), Number.NaN]);
        settling.push(
          p.settled.then((later) => {
            (settledRss.get(kind) as number[])[slot] = later.settledRss;
            if (kind === 'bare') return;
            // Shrunk: 1 MiB committed, half of what bare node starts with (it never grows).
            shrunk.of += 1;
            if (later.newSpaceMiB <= 1) shrunk.settled += 1;
          }),
        );
      }
    }
    await Promise.all(settling);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Per sample, above the bare process of the same round and flags.
  const aboveBare = (from: Map<Kind, number[]>, kind: Kind) => {
    const bare = from.get(kind.endsWith('@capped') ? 'bare@capped' : 'bare') ?? [];
    return spreadOf((from.get(kind) ?? []).map((v, i) => (v - (bare[i] ?? Number.NaN)) / MiB));
  };
  const added = (kind: Kind) => aboveBare(rss, kind);
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
  // The same processes after sitting idle: what a long-lived agent carries between bursts.
  const settledAdded = (kind: (typeof SETTLED)[number]) => aboveBare(settledRss, kind);
  const settledEmmett = settledAdded('emmett');
  const settledStore = settledAdded('opstate-store');
  const settledRuntime = settledAdded('opstate-runtime');
  rows.push(
    ratioCase({
      name: `  diagnostic: RSS added by the runtime (1,000 transitions) on SQLite, the same processes after ${SETTLE_MS / 1000} s idle`,
      value: settledRuntime.median,
      range: settledRuntime,
      unit: 'MiB',
      baseline: `Emmett-sqlite 0.42, 1,000 events appended, after ${SETTLE_MS / 1000} s idle`,
      baselineValue: settledEmmett.median,
      baselineRange: settledEmmett,
      target: null,
      better: 'lower',
      targetRatio: null,
      note: `store alone ${settledStore.median.toFixed(1)} MiB (${(settledStore.median / settledEmmett.median).toFixed(2)}×); V8 shrank the young generation in ${shrunk.settled} of ${shrunk.of} processes; above bare node after the same wait, ${samples} processes each`,
    }),
  );
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
