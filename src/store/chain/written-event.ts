import { parseCanonical } from './canonical-json.js';
import type { AppendedEvent, JsonObject } from './types.js';

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
 * Builds an event as an append returns it, its payload parsed from the canonical text (a fresh, deeply
 * frozen object, as a read returns it) the first time it is read. The emit pipeline never reads it;
 * parsing every payload of a batch back cost an append as much as hashing. Built by a constructor
 * rather than as an object literal with a getter, which V8 builds in dictionary mode (about 1 KB and
 * 1 µs per event); its prototype is Object.prototype, so the result is a plain object to every
 * comparison, with its keys in the order a read's events have them.
 */
function initWrittenEvent(
  this: Written,
  eventId: string,
  workspaceId: string,
  seq: number,
  eventType: string,
  payloadCanonical: string,
  occurredAt: string,
  correlationId: string | null,
  idempotencyKey: string | null,
  prevHash: string,
  hash: string,
  duplicate: boolean,
): void {
  this.eventId = eventId;
  this.workspaceId = workspaceId;
  this.seq = seq;
  this.eventType = eventType;
  Object.defineProperty(this, 'payload', PAYLOAD);
  this.occurredAt = occurredAt;
  this.correlationId = correlationId;
  this.idempotencyKey = idempotencyKey;
  this.prevHash = prevHash;
  this.hash = hash;
  this.duplicate = duplicate;
  Object.defineProperty(this, TEXT, { value: payloadCanonical });
}
initWrittenEvent.prototype = Object.prototype;

/**
 * `new WrittenEvent(...)`: an appended event whose payload is parsed from `payloadCanonical` when first
 * read. The arguments are the event's fields in its key order, the payload as its canonical text;
 * positional, so building one allocates nothing else.
 */
export const WrittenEvent = initWrittenEvent as unknown as new (
  ...args: Parameters<typeof initWrittenEvent>
) => AppendedEvent;
