import { randomUUID } from 'node:crypto';
import { newIdempotencyKey } from '../../src/emit/event-keys.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/domain/vocabulary.js';
import type { JsonObject } from '../../src/store/chain/types.js';
import { silentLogger } from '../../src/logger.js';
import { createOperationalState } from '../../src/runtime/create-operational-state.js';
import { type BenchSettings, type CaseResult, medians, ratioCase } from '../harness.js';
import { rawPayload, type Subject } from './subjects.js';

const EVENT = { type: 'UPDATE_POSTURE', trigger: 'posture update' } as const;

/**
 * One runtime, each transition flushed before the next (`send` then `flush`): the latency-bound path,
 * one durable commit per transition. Baseline: autocommit single-row INSERTs into a plain table of the
 * same database in the same run, i.e. the commit rate the engine (and on PostgreSQL, fsync) allows.
 * Returns the case row and the measured rate, which the burst case compares against.
 */
export async function durableSequential(
  s: BenchSettings,
  subject: Subject,
): Promise<{ rows: CaseResult[]; eventsPerSecond: number }> {
  // UPDATE_POSTURE appends exactly one event per transition, so transitions/s = events/s.
  const rt = createOperationalState(
    { store: subject.store, workspaceId: `bench-seq-${randomUUID()}` },
    { logger: silentLogger },
  );
  await rt.send({ type: 'GATES_PASSED' });
  await rt.flush();
  let i = 0;
  const appendWs = `bench-seq-append-${randomUUID()}`;
  const ms = await medians(s, {
    opstate: async () => {
      await rt.send(EVENT);
      await rt.flush();
    },
    // Diagnostic: the store's own append of one event, to separate the store's cost from the runtime's.
    append: () =>
      subject.store.append(appendWs, [
        {
          eventType: GENERIC_TRANSITION_EVENT,
          payload: JSON.parse(rawPayload(i)) as JsonObject,
          idempotencyKey: newIdempotencyKey(),
        },
      ]),
    rawInsert: () => subject.insertOne(rawPayload(i++)),
  });
  await rt.stop();
  const rate = (name: string) => 1000 / (ms[name] ?? Number.NaN);
  const eventsPerSecond = rate('opstate');
  return {
    eventsPerSecond,
    rows: [
      ratioCase({
        name: `durable emit, sequential (send + flush each), ${subject.label}`,
        value: eventsPerSecond,
        unit: 'events/s',
        baseline: `raw single-row INSERT commits, ${subject.label}`,
        baselineValue: rate('rawInsert'),
        target: '≥ 0.9× raw single-row INSERT',
        better: 'higher',
        targetRatio: 0.9,
      }),
      ratioCase({
        name: `  diagnostic: store.append of 1 event (chain_append), ${subject.label}`,
        value: rate('append'),
        unit: 'events/s',
        baseline: `raw single-row INSERT commits, ${subject.label}`,
        baselineValue: rate('rawInsert'),
        target: null,
        better: 'higher',
        targetRatio: null,
      }),
    ],
  };
}
