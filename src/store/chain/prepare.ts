import { ChainStoreError } from '../../errors.js';
import { canonicalPayload } from './canonical-json.js';
import type { ChainEventInput } from './types.js';
import { EVENT_TYPE_PATTERN } from './validate.js';

export interface PreparedEvent {
  readonly eventType: string;
  readonly payloadCanonical: string;
  readonly correlationId: string | null;
  readonly idempotencyKey: string | null;
}

/**
 * Validates and canonicalizes one input event, naming the bad value. `vocabulary` is checked here only by
 * the memory store; the database stores leave that to the `event_types` foreign key.
 */
export function prepareEvent(
  input: ChainEventInput,
  index: number,
  vocabulary?: ReadonlySet<string>,
  canonicalOf: (payload: unknown, eventType: string) => string = canonicalPayload,
): PreparedEvent {
  if (typeof input !== 'object' || input === null) {
    throw new ChainStoreError('invalid_input', `events[${index}] must be an object`);
  }
  const { eventType, payload, correlationId, idempotencyKey } = input;
  if (typeof eventType !== 'string' || !EVENT_TYPE_PATTERN.test(eventType)) {
    throw new ChainStoreError(
      'invalid_input',
      `events[${index}].eventType ${JSON.stringify(eventType)} is not a dotted lowercase event type`,
    );
  }
  if (vocabulary !== undefined && !vocabulary.has(eventType)) {
    throw new ChainStoreError(
      'unknown_event_type',
      `event type ${JSON.stringify(eventType)} is not in the vocabulary`,
      { eventType },
    );
  }
  checkKey(correlationId, 'correlationId', index, eventType);
  checkKey(idempotencyKey, 'idempotencyKey', index, eventType);
  return {
    eventType,
    payloadCanonical: canonicalOf(payload, eventType),
    correlationId: correlationId ?? null,
    idempotencyKey: idempotencyKey ?? null,
  };
}

function checkKey(value: unknown, name: string, index: number, eventType: string): void {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > 256)) {
    throw new ChainStoreError(
      'invalid_input',
      `events[${index}].${name} must be a non-empty string of at most 256 characters`,
      { eventType },
    );
  }
}

/**
 * Prepares a whole append. A transition's generic event and its literal carry one payload object: its
 * canonical text is written once per call and reused (the object cannot change within the call).
 */
export function prepareEvents(
  events: readonly ChainEventInput[],
  vocabulary?: ReadonlySet<string>,
): PreparedEvent[] {
  let last: unknown;
  let lastText = '';
  const canonicalOnce = (payload: unknown, eventType: string): string => {
    if (payload !== last || typeof payload !== 'object' || payload === null) {
      lastText = canonicalPayload(payload, eventType);
      last = payload;
    }
    return lastText;
  };
  return events.map((e, i) => prepareEvent(e, i, vocabulary, canonicalOnce));
}
