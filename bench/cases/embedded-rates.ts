import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENERIC_TRANSITION_EVENT } from '../../src/domain/vocabulary.js';
import { silentLogger } from '../../src/logger.js';
import { createOperationalState } from '../../src/runtime/create-operational-state.js';
import type { ChainStore, JsonObject } from '../../src/store/chain/types.js';
import { createMemoryChainStore } from '../../src/store/memory/memory-store.js';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';
import {
  type BenchSettings,
  type CaseResult,
  medians,
  ratioCase,
  type Spread,
  spreadOf,
} from '../harness.js';
import { rawPayload, type Subject } from './subjects.js';

const EVENT = { type: 'UPDATE_POSTURE', trigger: 'posture update' } as const;

/**
 * Rates of the embedded store: a burst of 1,000 transitions then one flush, against the same burst on
 * the memory store (both canonicalize and hash; the difference is durability) and against the sequential
 * rate measured before; the store's own batch append of 500 events against a raw multi-row insert of the
 * same rows into a plain table of the same file.
 */
export async function embeddedRates(
  s: BenchSettings,
  subject: Subject,
  sequentialRate: number,
): Promise<CaseResult[]> {
  const BURST = 1000;
  const BATCH = 500;
  // A burst takes about 20 ms, so one scavenge or one slow fsync moves a sample by a tenth: many pairs,
  // and the ratio taken pair by pair (the two bursts of a pair run back to back), keep that out of it.
  const samples = s.quick ? 5 : 41;
  const warm = 2;
  type Runtime = Awaited<ReturnType<typeof createOperationalState>>;
  const ready = async (store: ChainStore): Promise<Runtime> => {
    const rt = createOperationalState(
      { store, workspaceId: `bench-b-${randomUUID()}` },
      { logger: silentLogger },
    );
    await rt.send({ type: 'GATES_PASSED' });
    await rt.flush();
    return rt;
  };
  const memory = createMemoryChainStore();
  /**
   * Bursts on `store` and on the memory store, alternating sample by sample with the order swapped each
   * time, so what the process carries from earlier cases (garbage to collect, a grown heap) weighs on
   * both alike: run one after the other, the second paid for the first's garbage, and their ratio moved
   * from run to run with it.
   */
  const pairs = async (store: ChainStore): Promise<{ store: number[]; memory: number[] }> => {
    const prepared = { store: [] as Runtime[], memory: [] as Runtime[] };
    for (let k = 0; k < samples + warm; k++) {
      prepared.store.push(await ready(store));
      prepared.memory.push(await ready(memory));
    }
    const times = { store: [] as number[], memory: [] as number[] };
    for (let k = 0; k < samples + warm; k++) {
      for (const key of k % 2 === 0 ? (['store', 'memory'] as const) : (['memory', 'store'] as const)) {
        const rt = prepared[key].shift() as Runtime;
        const t = performance.now();
        for (let i = 0; i < BURST; i++) await rt.send(EVENT);
        await rt.flush();
        if (k >= warm) times[key].push(performance.now() - t);
        await rt.stop();
      }
    }
    return times;
  };
  const main = await pairs(subject.store);
  // The same bursts with the store's writer on its own thread, for comparison (its commits could overlap
  // the runtime's work on the other core), measured after the main pairs so its thread never runs beside them.
  const threadDir = mkdtempSync(join(tmpdir(), 'opstate-bench-burst-thread-'));
  const threaded = await openSqliteChainStore({ file: join(threadDir, 'chain.db'), writer: 'worker' });
  const thread = await pairs(threaded).finally(async () => {
    await threaded.close();
    rmSync(threadDir, { recursive: true, force: true });
  });
  const bursts = {
    sqlite: main.store,
    memory: main.memory,
    thread: thread.store,
    threadMemory: thread.memory,
  };
  const payloads = Array.from({ length: BATCH }, (_, i) => rawPayload(i));
  const events = payloads.map((p) => ({
    eventType: GENERIC_TRANSITION_EVENT,
    payload: JSON.parse(p) as JsonObject,
  }));
  const ms = await medians(
    s,
    {
      batch: () => subject.store.append(`bench-batch-${randomUUID()}`, events),
      rawBatch: () => subject.insertMany(payloads),
    },
    { iterations: Math.min(samples, 15), warmupIterations: warm },
  );
  const pairRatios = main.memory.map((m, k) => m / (main.store[k] ?? Number.NaN));
  const threadRatios = thread.memory.map((m, k) => m / (thread.store[k] ?? Number.NaN));
  for (const [key, xs] of Object.entries(bursts)) {
    const { min, median: mid, max } = spreadOf(xs);
    Object.assign(ms, { [key]: mid, [`${key}:min`]: min, [`${key}:max`]: max });
  }
  await memory.close();
  const rate = (n: number, key: string) => n / ((ms[key] ?? Number.NaN) / 1000);
  // Per-call latency spread, as rates: the slowest call is the minimum rate.
  const range = (n: number, key: string): Spread => ({
    min: rate(n, `${key}:max`),
    median: rate(n, key),
    max: rate(n, `${key}:min`),
  });
  return [
    pairwise(
      ratioCase({
        name: 'burst of 1,000 transitions then flush, SQLite',
        value: rate(BURST, 'sqlite'),
        unit: 'events/s',
        range: range(BURST, 'sqlite'),
        baseline: 'the same burst on the memory store',
        baselineValue: rate(BURST, 'memory'),
        target: '≥ 0.8× memory store',
        better: 'higher',
        targetRatio: 0.8,
      }),
      pairRatios,
      0.8,
    ),
    pairwise(
      ratioCase({
        name: "  diagnostic: the same burst with writer: 'worker' (commits on their own thread), SQLite",
        value: rate(BURST, 'thread'),
        unit: 'events/s',
        range: range(BURST, 'thread'),
        baseline: 'the same burst on the memory store',
        baselineValue: rate(BURST, 'threadMemory'),
        target: null,
        better: 'higher',
        targetRatio: null,
      }),
      threadRatios,
      null,
    ),
    ratioCase({
      name: 'burst of 1,000 transitions vs sequential, SQLite',
      value: rate(BURST, 'sqlite'),
      unit: 'events/s',
      range: range(BURST, 'sqlite'),
      baseline: 'durable emit, sequential, SQLite (above)',
      baselineValue: sequentialRate,
      target: '≥ 20× sequential',
      better: 'higher',
      targetRatio: 20,
    }),
    ratioCase({
      name: `store.append of ${BATCH} events in one call, SQLite`,
      value: rate(BATCH, 'batch'),
      unit: 'events/s',
      range: range(BATCH, 'batch'),
      baseline: `raw insert of the same ${BATCH} rows in one transaction, same file`,
      baselineValue: rate(BATCH, 'rawBatch'),
      target: null,
      better: 'higher',
      targetRatio: null,
    }),
  ];
}

/** A case whose ratio is the median of per-pair ratios (its spread theirs), not a ratio of medians. */
function pairwise(c: CaseResult, ratios: readonly number[], target: number | null): CaseResult {
  const { min, median: mid, max } = spreadOf(ratios);
  return {
    ...c,
    ratio: mid,
    spread: { min, max },
    met: target === null ? null : mid >= target,
    note: `median of ${ratios.length} pairs (each burst beside a memory-store burst, back to back, order alternating); ratio of the medians ${((c.value ?? 0) / (c.baselineValue ?? Number.NaN)).toFixed(3)}`,
  };
}
