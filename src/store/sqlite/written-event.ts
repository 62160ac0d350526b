import { parseCanonical } from '../chain/canonical-json.js';
import type { PreparedEvent } from '../chain/prepare.js';
import type { AppendedEvent, JsonObject } from '../chain/types.js';
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
    results[i] = new WrittenEvent(eventId, workspaceId, seq, e, written.recordedAt, prevHash, hash);
    prevHash = hash;
  }
  return results;
}

/** Where a written event keeps its canonical text: a non-enumerable property, invisible to comparisons. */
const TEXT = Symbol('payloadCanonical');

interface Written {
  [key: string]: unknown;
  [TEXT]: string;
}

/** Payloads already parsed, by event: kept beside the event, so a frozen event still caches its own. */
const parsedPayloads = new WeakMap<Written, JsonObject>();

/** The `payload` property of every written event: one getter for all, reading the event's hidden text. */
const PAYLOAD: PropertyDescriptor = {
  get(this: Written): JsonObject {
    let parsed = parsedPayloads.get(this);
    if (parsed === undefined) {
      parsed = parseCanonical(this[TEXT]);
      parsedPayloads.set(this, parsed);
    }
    return parsed;
  },
  enumerable: true,
};

/**
 * An event as the append wrote it, its payload parsed from the written canonical text (a fresh, deeply
 * frozen object, as a read returns it) the first time it is read. The emit pipeline never reads it;
 * parsing every payload of a batch back cost the append as much as hashing. Built by a constructor
 * rather than as an object literal with a getter, which V8 builds in dictionary mode (about 1 KB and
 * 1 µs per event); its prototype is Object.prototype, so the result is a plain object to every
 * comparison, with its keys in the order a read's events have them.
 */
function initWrittenEvent(
  this: Written,
  eventId: string,
  workspaceId: string,
  seq: number,
  e: PreparedEvent,
  occurredAt: string,
  prevHash: string,
  hash: string,
): void {
  this.eventId = eventId;
  this.workspaceId = workspaceId;
  this.seq = seq;
  this.eventType = e.eventType;
  Object.defineProperty(this, 'payload', PAYLOAD);
  this.occurredAt = occurredAt;
  this.correlationId = e.correlationId;
  this.idempotencyKey = e.idempotencyKey;
  this.prevHash = prevHash;
  this.hash = hash;
  this.duplicate = false;
  Object.defineProperty(this, TEXT, { value: e.payloadCanonical });
}
initWrittenEvent.prototype = Object.prototype;

const WrittenEvent = initWrittenEvent as unknown as new (
  ...args: Parameters<typeof initWrittenEvent>
) => AppendedEvent;
