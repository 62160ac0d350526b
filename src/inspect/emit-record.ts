import type { EmitOutcome } from '../emit/emit-pipeline.js';
import { STATELY_WIRE_VERSION, type EmitRecord } from './records.js';

export const HASH_PREFIX_LENGTH = 16;

/** An emit outcome as a record: which chain events were appended (seq, hash prefix), or why not. */
export function emitRecord(outcome: EmitOutcome, pending: number, nextId: () => string): EmitRecord {
  const t = outcome.transition;
  return {
    type: '@opstate.emit',
    id: nextId(),
    // Emit outcomes belong to the pipeline, not to an actor: they are keyed by transition number.
    rootId: undefined,
    sessionId: 'opstate.emit',
    createdAt: String(Date.now()),
    _version: STATELY_WIRE_VERSION,
    transition: { n: t.n, from: t.from, to: t.to, trigger: t.trigger, literal: t.literal },
    ok: outcome.ok,
    appended: outcome.ok
      ? outcome.events.map((e) => ({
          seq: e.seq,
          eventType: e.eventType,
          hashPrefix: e.hash.slice(0, HASH_PREFIX_LENGTH),
          duplicate: e.duplicate === true,
        }))
      : [],
    error: outcome.ok
      ? null
      : { name: outcome.error.name, eventType: outcome.error.eventType, message: outcome.error.message },
    pending,
  };
}
