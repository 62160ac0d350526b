import type { Logger } from '../logger.js';
import type { EmitOutbox } from './outbox.js';
import type { ChainProvider } from './provider.js';
import type { RetryPolicy } from './retry-policy.js';

/** Queued transitions above which the pipeline reports saturation and the runtime applies backpressure. */
export const DEFAULT_MAX_QUEUED_EMITS = 10_000;

/**
 * Transitions sent in one store call at most. Big enough that a burst is a handful of round trips, small
 * enough that one call stays well inside the append timeout and one SQL statement's arrays stay modest.
 */
export const DEFAULT_MAX_BATCH = 500;

/**
 * How long a caller may keep the event loop from turning (a tight `await transitionTo()` loop only
 * ever runs microtasks) while its emits wait: past this, `admit()` yields one macrotask, so the store's
 * I/O, the retry timer and the deferred drain get to run.
 */
export const DEFAULT_MAX_EMIT_LAG_MS = 50;

export interface EmitPipelineOptions {
  readonly provider: ChainProvider;
  readonly logger: Logger;
  /** Bound on one append attempt (default 10 s); a hung store then counts as a failed attempt. */
  readonly appendTimeoutMs?: number;
  readonly retry?: RetryPolicy;
  /** See DEFAULT_MAX_QUEUED_EMITS. Nothing is ever dropped when it is exceeded. */
  readonly maxQueued?: number;
  /**
   * Durable storage for the queue: entries left by an earlier process are appended first, and each new
   * transition is written there before its first attempt (see EmitOutbox).
   */
  readonly outbox?: EmitOutbox;
  /** See DEFAULT_MAX_BATCH; 1 turns batching off (one store call per transition). */
  readonly maxBatch?: number;
  /** See DEFAULT_MAX_EMIT_LAG_MS. */
  readonly maxLagMs?: number;
}
