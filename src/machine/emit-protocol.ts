import type { CommittedTransition } from './context.js';

/** What the chart sends its emit service for every transition. */
export interface EmitRequest {
  readonly type: 'EMIT';
  /** The transition as committed, with the literal its guard chose (or null). */
  readonly transition: CommittedTransition;
}

/** The name the chart knows its emit service by, in `setup({ actors })`; `provide()` replaces it. */
export const EMIT_SERVICE = 'emitService';
/** The invoke id of the emit service under the root. */
export const EMITTER_ID = 'emitter';

/**
 * Sent back by the emit service when an append failed; counted in context. Internal: it is not part of
 * the chart's event union, and the chart counts only reports minted by `emitFailedEvent` (below), so one
 * forged through `actor.send` is ignored.
 */
export interface EmitFailedEvent {
  readonly type: 'EMIT_FAILED';
  readonly eventType: string;
  readonly message: string;
  /** The transition (`n`) that went unappended, when the reporter knows it. */
  readonly transition?: number;
}

// Identity, not shape: a plain object with the same fields is a forgery.
const minted = new WeakSet<object>();

/** A failure report the chart will count. For emit services only (not exported from the package). */
export function emitFailedEvent(eventType: string, message: string, transition?: number): EmitFailedEvent {
  const event: EmitFailedEvent = Object.freeze({
    type: 'EMIT_FAILED',
    eventType,
    message,
    ...(transition !== undefined ? { transition } : {}),
  });
  minted.add(event);
  return event;
}

/** True only for a report minted by `emitFailedEvent`. */
export function isEmitFailedEvent(event: unknown): event is EmitFailedEvent {
  return typeof event === 'object' && event !== null && minted.has(event);
}
