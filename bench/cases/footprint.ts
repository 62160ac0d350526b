import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createActor, fromCallback } from 'xstate';
import { silentLogger } from '../../src/logger.js';
import { operationalStateMachine } from '../../src/machine/machine.js';
import { createOperationalState } from '../../src/runtime/create-operational-state.js';
import { createMemoryChainStore } from '../../src/store/memory/memory-store.js';
import { openPgliteChainStore } from '../../src/store/pglite/pglite-store.js';
import { type BenchSettings, type CaseResult, median, notRun, ratioCase } from '../harness.js';

const COUNT = 1000;

function gc(): boolean {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) return false;
  g();
  g();
  return true;
}

/** Heap bytes retained per object made by `make`, over COUNT of them, after full GCs on both sides. */
async function heapPer(make: () => Promise<unknown>): Promise<number> {
  const keep: unknown[] = [];
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < COUNT; i++) keep.push(await make());
  gc();
  const after = process.memoryUsage().heapUsed;
  const per = (after - before) / COUNT;
  keep.length = 0;
  return per;
}

/**
 * Memory per runtime (1,000 runtimes with their own memory stores, one transition each, in this
 * process) against a bare XState actor of the same chart; PGlite cold open (new data directory) and
 * reopen, against PGlite itself on the same directories without opstate's migrations and lock.
 */
export async function footprint(s: BenchSettings): Promise<CaseResult[]> {
  const rows: CaseResult[] = [];
  if (!gc()) {
    rows.push(notRun('memory per runtime', 'KiB', null, 'run node with --expose-gc (npm run bench does)'));
  } else {
    const runtimes: { stop(): Promise<void> }[] = [];
    const perRuntime = await heapPer(async () => {
      const rt = createOperationalState(
        { store: createMemoryChainStore(), workspaceId: 'bench' },
        { logger: silentLogger },
      );
      await rt.send({ type: 'GATES_PASSED' });
      await rt.flush();
      runtimes.push(rt);
      return rt;
    });
    for (const rt of runtimes) await rt.stop();
    const actors: { stop(): void }[] = [];
    const perActor = await heapPer(async () => {
      const actor = createActor(
        operationalStateMachine.provide({
          actions: { requestEmit: () => {} },
          actors: { emitService: fromCallback(() => {}) },
        }),
      ).start();
      actor.send({ type: 'GATES_PASSED' });
      actors.push(actor);
      return actor;
    });
    for (const a of actors) a.stop();
    rows.push(
      ratioCase({
        name: `memory per runtime (${COUNT.toLocaleString('en-US')} runtimes + memory stores, 1 transition each)`,
        value: perRuntime / 1024,
        unit: 'KiB',
        baseline: 'bare XState actor of the same chart',
        baselineValue: perActor / 1024,
        target: null,
        better: 'lower',
        targetRatio: null,
      }),
    );
  }

  const samples = s.quick ? 1 : 3;
  const cold: number[] = [];
  const reopen: number[] = [];
  const rawCold: number[] = [];
  const rawReopen: number[] = [];
  for (let k = 0; k < samples; k++) {
    const dir = mkdtempSync(join(tmpdir(), 'opstate-bench-open-'));
    try {
      let t = performance.now();
      const store = await openPgliteChainStore({ dataDir: join(dir, 'chain'), closeOnSignals: false });
      cold.push(performance.now() - t);
      await store.close();
      t = performance.now();
      const again = await openPgliteChainStore({ dataDir: join(dir, 'chain'), closeOnSignals: false });
      reopen.push(performance.now() - t);
      await again.close();

      t = performance.now();
      const db = await PGlite.create(join(dir, 'raw'));
      rawCold.push(performance.now() - t);
      await db.close();
      t = performance.now();
      const db2 = await PGlite.create(join(dir, 'raw'));
      rawReopen.push(performance.now() - t);
      await db2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  rows.push(
    ratioCase({
      name: 'PGlite store cold open (new dataDir: initdb + migrations)',
      value: median(cold),
      unit: 'ms',
      baseline: 'PGlite.create on a new dataDir',
      baselineValue: median(rawCold),
      target: null,
      better: 'lower',
      targetRatio: null,
    }),
    ratioCase({
      name: 'PGlite store reopen (existing dataDir)',
      value: median(reopen),
      unit: 'ms',
      baseline: 'PGlite.create on an existing dataDir',
      baselineValue: median(rawReopen),
      target: null,
      better: 'lower',
      targetRatio: null,
    }),
  );
  return rows;
}
