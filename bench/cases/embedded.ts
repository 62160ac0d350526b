import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';
import { type BenchSettings, type CaseResult, ratioCase, spreadOf } from '../harness.js';

const run = promisify(execFile);
const PROBE = fileURLToPath(new URL('../probes/probe.ts', import.meta.url));
const MB = 1024 * 1024;

async function probe(args: string[]): Promise<Record<string, number>> {
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', PROBE, ...args], {
    timeout: 120_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
}

/**
 * The embedded store's weight: resident memory of a process after 1,000 transitions on a SQLite store,
 * minus the same process on the memory store (each in a fresh child process); and opening a new store
 * file (create + migrate) against opening a new file with the same pragmas and no schema.
 */
export async function embeddedFootprint(s: BenchSettings): Promise<CaseResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'opstate-bench-embedded-'));
  try {
    const samples = s.quick ? 2 : 5;
    const sqlite: number[] = [];
    const memory: number[] = [];
    for (let k = 0; k < samples; k++) {
      memory.push((await probe(['rss', 'memory', '-']))['rss'] ?? Number.NaN);
      sqlite.push((await probe(['rss', 'sqlite', join(dir, `rss-${k}.db`)]))['rss'] ?? Number.NaN);
    }
    const extra = sqlite.map((v, k) => (v - (memory[k] ?? Number.NaN)) / MB);
    const e = spreadOf(extra);

    const opens: number[] = [];
    const raws: number[] = [];
    for (let k = 0; k < (s.quick ? 5 : 20); k++) {
      let t = performance.now();
      const store = await openSqliteChainStore({ file: join(dir, `open-${k}.db`) });
      opens.push(performance.now() - t);
      await store.close();
      t = performance.now();
      const db = new Database(join(dir, `raw-${k}.db`));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY) STRICT');
      raws.push(performance.now() - t);
      db.close();
    }
    const o = spreadOf(opens);
    return [
      ratioCase({
        name: 'footprint: RSS after 1,000 transitions, SQLite store minus memory store',
        value: e.median,
        unit: 'MB',
        range: e,
        baseline: 'RSS of the same process on the memory store',
        baselineValue: spreadOf(memory).median / MB,
        target: '≤ 30 MB',
        better: 'lower',
        targetRatio: null,
      }),
      {
        ...ratioCase({
          name: 'open a new SQLite store file (create, migrate)',
          value: o.median,
          unit: 'ms',
          range: o,
          baseline: 'new file, same pragmas, one CREATE TABLE',
          baselineValue: spreadOf(raws).median,
          target: '≤ 50 ms',
          better: 'lower',
          targetRatio: null,
        }),
        met: o.median <= 50,
      },
    ].map((row) => (row.target === '≤ 30 MB' ? { ...row, met: e.median <= 30 } : row));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Whether the disk holds the agent's event loop: p99 of `monitorEventLoopDelay` in a child process that
 * emits at full speed (yielding to the loop after each transition, as an agent doing other work does),
 * on the SQLite store against the same process on the memory store. Two shapes: send + flush each
 * (one commit per transition) and bursts (the pipeline batches; a flush per 1,000).
 */
export async function eventLoopDelay(s: BenchSettings): Promise<CaseResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'opstate-bench-loop-'));
  const ms = String(s.quick ? 1000 : 2000);
  const samples = s.quick ? 1 : 3;
  const rows: CaseResult[] = [];
  try {
    for (const shape of ['sequential', 'burst'] as const) {
      const p99: Record<string, number[]> = { memory: [], sqlite: [], 'sqlite-worker': [] };
      const rates: Record<string, number[]> = { memory: [], sqlite: [], 'sqlite-worker': [] };
      for (let k = 0; k < samples; k++) {
        for (const engine of ['memory', 'sqlite', 'sqlite-worker']) {
          const r = await probe(['loop', engine, join(dir, `${shape}-${engine}-${k}.db`), shape, ms]);
          p99[engine]?.push(r['p99'] ?? Number.NaN);
          rates[engine]?.push(r['rate'] ?? Number.NaN);
        }
      }
      const label = shape === 'sequential' ? 'send + flush each' : 'bursts, a flush per 1,000';
      for (const engine of ['sqlite', 'sqlite-worker']) {
        const v = spreadOf(p99[engine] ?? []);
        const rate = spreadOf(rates[engine] ?? []).median;
        rows.push({
          ...ratioCase({
            name: `event-loop delay p99, emitting at full speed (${label}), SQLite writer on the ${engine === 'sqlite' ? 'main thread' : 'worker thread'}`,
            value: v.median,
            unit: 'ms',
            range: v,
            baseline: 'the same process on the memory store',
            baselineValue: spreadOf(p99['memory'] ?? []).median,
            target: '≤ 5 ms',
            better: 'lower',
            targetRatio: null,
          }),
          met: v.median <= 5,
          note: `${Math.round(rate)} transitions/s in this probe (memory store: ${Math.round(spreadOf(rates['memory'] ?? []).median)})`,
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
