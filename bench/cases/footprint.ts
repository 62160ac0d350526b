import { createActor, fromCallback } from 'xstate';
import { silentLogger } from '../../src/logger.js';
import { operationalStateMachine } from '../../src/machine/machine.js';
import { createOperationalState } from '../../src/runtime/create-operational-state.js';
import { createMemoryChainStore } from '../../src/store/memory/memory-store.js';
import { type BenchSettings, type CaseResult, notRun, ratioCase } from '../harness.js';

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
 * process) against a bare XState actor of the same chart. (The embedded store's weight and open time
 * are in embedded.ts.)
 */
export async function footprint(_s: BenchSettings): Promise<CaseResult[]> {
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

  return rows;
}
