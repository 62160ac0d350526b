import { parseCanonical } from '../chain/canonical-json.js';
import type { AppendedEvent, JsonObject } from '../chain/types.js';

/** An appended event's fields, all but its payload, which is given as the canonical text written. */
export type WrittenFields = Omit<AppendedEvent, 'payload'>;

/**
 * What an append returns for an event it wrote: the row as written, its payload parsed from the written
 * canonical text (a fresh, deeply frozen object, as a read returns it) the first time it is read. The
 * emit pipeline never reads it; parsing every payload of a batch back cost the append as much as hashing.
 */
export function writtenEvent(fields: WrittenFields, payloadCanonical: string): AppendedEvent {
  let payload: JsonObject | undefined;
  return {
    eventId: fields.eventId,
    workspaceId: fields.workspaceId,
    seq: fields.seq,
    eventType: fields.eventType,
    get payload(): JsonObject {
      payload ??= parseCanonical(payloadCanonical);
      return payload;
    },
    occurredAt: fields.occurredAt,
    correlationId: fields.correlationId,
    idempotencyKey: fields.idempotencyKey,
    prevHash: fields.prevHash,
    hash: fields.hash,
    duplicate: fields.duplicate,
  };
}
