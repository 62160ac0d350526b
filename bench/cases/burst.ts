import { randomUUID } from 'node:crypto';
import { newIdempotencyKey } from '../../src/emit/event-keys.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/domain/vocabulary.js';
import { DEFAULT_MAX_BATCH } from '../../src/emit/emit-pipeline.js';
import type { JsonObject } from '../../src/store/chain/types.js';
import { silentLogger } from '../../src/logger.js';
import { createOperationalState } from '../../src/runtime/create-operational-state.js';
import { type BenchSettings, type CaseResult, medians, ratioCase } from '../harness.js';
import { rawPayload, type Subject } from './subjects.js';

const EVENT = { type: 'UPDATE_POSTURE', trigger: 'posture update' } as const;
const RUNTIMES = 8;

/**
 * Burst throughput: runtimes send as fast as they can, then flush; the emit pipeline batches whatever
 * queued while an append was in flight. Three shapes: one runtime; 8 runtimes on one workspace (they
 * contend for its head-row lock); 8 runtimes on 8 workspaces. Baseline: one multi-row INSERT of the same
 * number of rows into a plain table of the same database. A last row compares the one-runtime burst with
 * the sequential rate measured just before (target ≥ 20×).
 */
export async function burst(
  s: BenchSettings,
  subject: Subject,
  sequentialRate: number,
): Promise<CaseResult[]> {
  const total = s.quick ? 2000 : 10_000;
  const perRuntime = total / RUNTIMES;
  const payloads = Array.from({ length: total }, (_, i) => rawPayload(i));

  // Fresh runtimes (and workspaces) per sample, already `ready`, so every sample starts from the same place.
  const ready = async (workspaceId: string) => {
    const rt = createOperationalState({ store: subject.store, workspaceId }, { logger: silentLogger });
    await rt.send({ type: 'GATES_PASSED' });
    await rt.flush();
    return rt;
  };
  const fire = async (rt: Awaited<ReturnType<typeof ready>>, n: number) => {
    for (let i = 0; i < n; i++) await rt.send(EVENT);
    await rt.flush();
  };

  // Set-up outside the timed region: tinybench's beforeEach would work too, but a queue of prepared
  // runtimes keeps the task bodies obvious.
  const prepared: Record<string, Awaited<ReturnType<typeof ready>>[][]> = { one: [], shared: [], spread: [] };
  const samples = s.quick ? 3 : 5;
  const warm = 1;
  for (let k = 0; k < samples + warm; k++) {
    prepared.one?.push([await ready(`bench-burst-${randomUUID()}`)]);
    const shared = `bench-burst-${randomUUID()}`;
    prepared.shared?.push(await Promise.all(Array.from({ length: RUNTIMES }, () => ready(shared))));
    prepared.spread?.push(
      await Promise.all(Array.from({ length: RUNTIMES }, () => ready(`bench-burst-${randomUUID()}`))),
    );
  }
  const take = (key: string) => {
    const next = prepared[key]?.shift();
    if (next === undefined) throw new Error(`burst: ran out of prepared runtimes for ${key}`);
    return next;
  };

  const ms = await medians(
    s,
    {
      one: async () => {
        await Promise.all(take('one').map((rt) => fire(rt, total)));
      },
      shared: async () => {
        await Promise.all(take('shared').map((rt) => fire(rt, perRuntime)));
      },
      spread: async () => {
        await Promise.all(take('spread').map((rt) => fire(rt, perRuntime)));
      },
      raw: () => subject.insertMany(payloads),
      // Diagnostic: the store's own ceiling, its append fed full batches directly (no runtime).
      storeBatches: async () => {
        const ws = `bench-burst-store-${randomUUID()}`;
        for (let at = 0; at < total; at += DEFAULT_MAX_BATCH) {
          const n = Math.min(DEFAULT_MAX_BATCH, total - at);
          await subject.store.append(
            ws,
            Array.from({ length: n }, (_, k) => ({
              eventType: GENERIC_TRANSITION_EVENT,
              payload: JSON.parse(payloads[at + k] as string) as JsonObject,
              idempotencyKey: newIdempotencyKey(),
            })),
          );
        }
      },
    },
    { iterations: samples, warmupIterations: warm },
  );
  for (const group of Object.values(prepared)) for (const rts of group) for (const rt of rts) await rt.stop();

  const rate = (name: string) => total / ((ms[name] ?? Number.NaN) / 1000);
  const baseline = `raw multi-row INSERT of ${total.toLocaleString('en-US')} rows, ${subject.label}`;
  const row = (name: string, key: string) =>
    ratioCase({
      name: `burst, ${name}, ${subject.label}`,
      value: rate(key),
      unit: 'events/s',
      baseline,
      baselineValue: rate('raw'),
      target: null,
      better: 'higher',
      targetRatio: null,
    });
  return [
    row('1 runtime', 'one'),
    row('8 runtimes, 1 workspace', 'shared'),
    row('8 runtimes, 8 workspaces', 'spread'),
    ratioCase({
      name: `  diagnostic: burst (1 runtime) vs store.append in batches of ${DEFAULT_MAX_BATCH}, ${subject.label}`,
      value: rate('one'),
      unit: 'events/s',
      baseline: `store.append, ${total.toLocaleString('en-US')} events in batches of ${DEFAULT_MAX_BATCH}, no runtime`,
      baselineValue: rate('storeBatches'),
      target: null,
      better: 'higher',
      targetRatio: null,
    }),
    ratioCase({
      name: `burst (1 runtime) vs sequential, ${subject.label}`,
      value: rate('one'),
      unit: 'events/s',
      baseline: `durable emit, sequential, ${subject.label} (above)`,
      baselineValue: sequentialRate,
      target: '≥ 20× sequential',
      better: 'higher',
      targetRatio: 20,
    }),
  ];
}
