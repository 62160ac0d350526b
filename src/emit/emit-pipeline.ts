import { makeSnapshot } from '../domain/snapshot.js';
import { GENERIC_TRANSITION_EVENT } from '../domain/vocabulary.js';
import { OperationalStateEmitError } from '../errors.js';
import { type Logger, safeLog } from '../logger.js';
import type { CommittedTransition } from '../machine/context.js';
import type { AppendedEvent } from '../store/types.js';
import { appendTransitionEvents, DEFAULT_APPEND_TIMEOUT_MS, transitionEvents } from './append-transition.js';
import { type ChainProvider, describeError, resolveEmitTarget } from './provider.js';

export interface EmitPipelineOptions {
  readonly provider: ChainProvider;
  readonly logger: Logger;
  /** Bound on one append (default 10 s); a hung store then counts as a failed emit. */
  readonly appendTimeoutMs?: number;
}

export interface EmitOutcomeBase {
  readonly transition: CommittedTransition;
}
export interface EmitAppended extends EmitOutcomeBase {
  readonly ok: true;
  readonly events: readonly AppendedEvent[];
}
export interface EmitFailed extends EmitOutcomeBase {
  readonly ok: false;
  readonly error: OperationalStateEmitError;
}
export type EmitOutcome = EmitAppended | EmitFailed;

/**
 * The work behind the emit service: appends transitions strictly in the order they were requested, one
 * at a time, and never throws. It lives outside the actor on purpose: entering the final `stopped` state
 * stops every child, but the emit of that very transition (and any queued before it) must still land,
 * and `flush()` must still be able to wait for it.
 */
export class EmitPipeline {
  readonly #provider: ChainProvider;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #observers = new Set<(outcome: EmitOutcome) => void>();
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;

  constructor(options: EmitPipelineOptions) {
    this.#provider = options.provider;
    this.#logger = options.logger;
    this.#timeoutMs = options.appendTimeoutMs ?? DEFAULT_APPEND_TIMEOUT_MS;
  }

  /** Requests not yet appended or failed. */
  get pending(): number {
    return this.#pending;
  }

  enqueue(transition: CommittedTransition): void {
    this.#pending += 1;
    this.#tail = this.#tail.then(() => this.#process(transition));
  }

  /** Resolves once every transition enqueued so far has been appended or has failed. */
  idle(): Promise<void> {
    return this.#tail;
  }

  /** Observes every outcome, in order. Returns a detach function. Observers that throw are logged. */
  observe(observer: (outcome: EmitOutcome) => void): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  async #process(transition: CommittedTransition): Promise<void> {
    let outcome: EmitOutcome;
    try {
      const target = await resolveEmitTarget(this.#provider);
      const events = await appendTransitionEvents(
        target,
        transitionEvents(toAppend(transition)),
        this.#timeoutMs,
      );
      outcome = { ok: true, transition, events };
    } catch (err) {
      const error =
        err instanceof OperationalStateEmitError
          ? err
          : new OperationalStateEmitError(GENERIC_TRANSITION_EVENT, describeError(err), err);
      safeLog(
        this.#logger,
        'error',
        {
          err: error,
          eventType: error.eventType,
          from: transition.from,
          to: transition.to,
          trigger: transition.trigger,
        },
        error.message,
      );
      outcome = { ok: false, transition, error };
    } finally {
      this.#pending -= 1;
    }
    for (const observer of this.#observers) {
      try {
        observer(outcome);
      } catch (err) {
        safeLog(this.#logger, 'error', { err }, 'emit outcome observer threw; ignored');
      }
    }
  }
}

function toAppend(t: CommittedTransition) {
  return {
    from: makeSnapshot(t.from, t.previousClaimPermission, t.previousDegradationReasons),
    to: makeSnapshot(t.to, t.claimPermission, t.degradationReasons),
    trigger: t.trigger,
    literal: t.literal,
  };
}
