import { describeValue } from './domain/trigger.js';
import type { PrimaryState } from './domain/vocabulary.js';

/**
 * A chain-event emit failed. Fail-loud, never policy: the runtime logs it and reports it to the machine,
 * and the machine keeps moving. `cause` is the human-readable reason (the original contract);
 * `originalError` keeps whatever was thrown, for stack traces.
 */
export class OperationalStateEmitError extends Error {
  override readonly name = 'OperationalStateEmitError';
  /** The chain event type that could not be appended. */
  readonly eventType: string;
  /** Why, as text (for example `Sea MCP unavailable`, `workspace_id is None/empty after resolution`). */
  override readonly cause: string;
  readonly originalError: unknown;

  constructor(eventType: string, cause: string, originalError?: unknown) {
    super(
      `emit of '${eventType}' failed: ${cause}. Operational-state observability is degraded; ` +
        'cockpit may show stale state.',
    );
    this.eventType = eventType;
    this.cause = cause;
    this.originalError = originalError;
  }
}

/**
 * A transition the chart does not have: a (from, to) pair outside TRANSITION_TABLE, an event the current
 * state does not accept, or anything at all once the state is `stopped`. State is unchanged and nothing
 * was appended.
 */
export class InvalidStateTransitionError extends Error {
  override readonly name = 'InvalidStateTransitionError';
  /** The state the request found the runtime in. */
  readonly from: PrimaryState;
  /** The requested target state, when the request named one. */
  readonly to: PrimaryState | undefined;
  /** The event type, when the request was a typed event. */
  readonly eventType: string | undefined;
  readonly trigger: string | undefined;

  constructor(details: {
    from: PrimaryState;
    to?: PrimaryState;
    eventType?: string;
    trigger?: string;
    reason?: string;
    /** Set when the chart was never asked (e.g. the runtime is stopped): the request itself may be valid. */
    notApplied?: boolean;
  }) {
    const trig = details.trigger === undefined ? '' : ` (trigger=${quote(details.trigger)})`;
    const request =
      details.to !== undefined
        ? `${details.from} → ${details.to}`
        : `event ${details.eventType ?? '?'} in state ${details.from}`;
    const what =
      details.notApplied === true
        ? `${request} was not applied`
        : details.to !== undefined
          ? `${request} is not in TRANSITION_TABLE`
          : `event ${details.eventType ?? '?'} is not accepted in state ${details.from}`;
    const why = details.reason === undefined ? '' : `: ${details.reason}`;
    super(`Invalid transition: ${what}${why}${trig}`);
    this.from = details.from;
    this.to = details.to;
    this.eventType = details.eventType;
    this.trigger = details.trigger;
  }
}

/**
 * Bad input: an unknown state, reason, permission or event type, or a trigger that is not a non-empty
 * string of at most 4 KiB. Nothing changed and nothing was appended. `field` says where, `value`
 * describes what was given.
 */
export class OperationalStateInputError extends TypeError {
  override readonly name = 'OperationalStateInputError';
  readonly field: string;
  readonly value: string;

  constructor(field: string, value: unknown, problem: string) {
    super(`Invalid ${field}: ${problem} (got ${describeValue(value)})`);
    this.field = field;
    this.value = describeValue(value);
  }
}

/** What went wrong inside a chain store. */
export type ChainStoreErrorKind =
  | 'invalid_input'
  | 'unknown_event_type'
  | 'timeout'
  | 'unavailable'
  | 'closed'
  /** Another process holds the embedded store's data directory. */
  | 'locked'
  /** An append as a workspace's owner whose epoch a later claim superseded (WorkspaceFencedError). */
  | 'fenced'
  /** The database schema does not match the package's migrations. */
  | 'migration'
  /** A read-only opening found no opstate store at the path: no file, not SQLite, or no opstate schema. */
  | 'not_a_store'
  /** A stored row cannot be read as an event (its payload text is not JSON); the message names it. */
  | 'corrupt_row';

/** A chain store refused or failed an operation. The emit service wraps it in OperationalStateEmitError. */
export class ChainStoreError extends Error {
  /** `'ChainStoreError'`, or the subclass's own name (`'WorkspaceFencedError'`). */
  override readonly name: string = 'ChainStoreError';
  readonly kind: ChainStoreErrorKind;
  /** The event type concerned, when one event is to blame. */
  readonly eventType: string | undefined;

  constructor(kind: ChainStoreErrorKind, message: string, options?: { eventType?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.eventType = options?.eventType;
  }
}

function quote(s: string): string {
  const shown = s.length > 200 ? `${s.slice(0, 200)}…` : s;
  return `'${shown}'`;
}

/**
 * `flush()` or `stop()` gave up waiting after the caller's timeout. After `flush()` nothing was dropped:
 * the `pending` emits are still queued and still being retried. After `stop()` (`abandoned: true`) the
 * runtime is gone: the `pending` emits were logged as abandoned, with their events, and stay in the
 * outbox when the runtime has one.
 */
export class EmitFlushTimeoutError extends Error {
  override readonly name = 'EmitFlushTimeoutError';
  readonly timeoutMs: number;
  /** Emits still queued when the timeout fired. */
  readonly pending: number;
  /** True when a stop timed out and the queued emits were abandoned; false when a flush did. */
  readonly abandoned: boolean;

  constructor(timeoutMs: number, pending: number, abandoned = false) {
    super(
      abandoned
        ? `stop timed out after ${timeoutMs} ms with ${pending} emit(s) still queued: abandoned (logged with their events; kept in the outbox if the runtime has one)`
        : `flush timed out after ${timeoutMs} ms with ${pending} emit(s) still queued (still being retried)`,
    );
    this.timeoutMs = timeoutMs;
    this.pending = pending;
    this.abandoned = abandoned;
  }
}
