import type { PreparedEvent } from '../chain/prepare.js';
import type { AppendedEvent } from '../chain/types.js';
import { WrittenEvent } from '../chain/written-event.js';
import { type LogRow, rowToEvent } from './rows.js';

/**
 * What one append wrote, in the few fields the caller does not already hold (it holds the prepared
 * events): plain arrays and strings, so the writer thread hands it over for the price of a few strings.
 */
export interface WrittenBatch {
  readonly recordedAt: string;
  /** The head seq and hash (hex) the batch was linked after. */
  readonly startSeq: number;
  readonly startHash: string;
  /** Per input event: the event id it was written under, or null when its key was already in the chain. */
  readonly eventIds: readonly (string | null)[];
  /** Per input event written: its hash (hex). */
  readonly hashes: readonly string[];
  /** The original rows of the events whose keys were already in the chain, by input index. */
  readonly duplicates: readonly (readonly [index: number, row: LogRow])[];
}

/** The append's result, event by event, from what it was given and what it wrote. */
export function appendedEvents(
  workspaceId: string,
  events: readonly PreparedEvent[],
  written: WrittenBatch,
): AppendedEvent[] {
  const results = new Array<AppendedEvent>(events.length);
  for (const [index, row] of written.duplicates) {
    // From the writer thread the row's BLOBs arrive as plain Uint8Arrays (structured clone).
    const stored = { ...row, prev_hash: Buffer.from(row.prev_hash), hash: Buffer.from(row.hash) };
    results[index] = { ...rowToEvent(workspaceId, stored), duplicate: true };
  }
  let seq = written.startSeq;
  let prevHash = written.startHash;
  for (let i = 0; i < events.length; i++) {
    const eventId = written.eventIds[i];
    if (eventId === null || eventId === undefined) continue;
    const e = events[i] as PreparedEvent;
    const hash = written.hashes[i] as string;
    seq += 1;
    results[i] = new WrittenEvent(
      eventId,
      workspaceId,
      seq,
      e.eventType,
      e.payloadCanonical,
      written.recordedAt,
      e.correlationId,
      e.idempotencyKey,
      prevHash,
      hash,
      false,
    );
    prevHash = hash;
  }
  return results;
}
