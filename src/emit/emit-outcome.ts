import type { OperationalStateEmitError } from '../errors.js';
import type { CommittedTransition } from '../machine/context.js';
import type { AppendedEvent, ChainEventInput } from '../store/chain/types.js';

export interface EmitOutcomeBase {
  readonly transition: CommittedTransition;
  /** Which attempt this outcome is about (1 for the first). */
  readonly attempt: number;
}
export interface EmitAppended extends EmitOutcomeBase {
  readonly ok: true;
  readonly events: readonly AppendedEvent[];
}
export interface EmitFailed extends EmitOutcomeBase {
  readonly ok: false;
  readonly error: OperationalStateEmitError;
  /**
   * True when the append will be tried again (the store failed, hung, or was missing). False only when
   * the store refused the events themselves (`invalid_input`, `unknown_event_type`): retrying cannot
   * change the answer, so the transition is set aside in `rejected` instead of blocking every later one.
   */
  readonly willRetry: boolean;
  /** When `willRetry`, the delay before the next attempt. */
  readonly retryInMs: number | null;
}
export type EmitOutcome = EmitAppended | EmitFailed;

/** A transition the store refused outright, kept with its events so nothing vanishes silently. */
export interface RejectedEmit {
  readonly transition: CommittedTransition;
  readonly events: readonly ChainEventInput[];
  readonly error: OperationalStateEmitError;
}

export interface QueuedEmit {
  readonly transition: CommittedTransition;
  /** Minted once at enqueue: every retry sends the same idempotency keys, so nothing lands twice. */
  readonly events: readonly ChainEventInput[];
  attempts: number;
  /** The outbox id once written (null without an outbox, or if writing it failed). */
  readonly stored: Promise<number | null>;
  /** `performance.now()` when it was queued: how far the chain lags behind the machine. */
  readonly queuedAt: number;
}
