import type { Actor, Subscription } from 'xstate';
import { makeSnapshot, type OperationalStateSnapshot } from '../domain/snapshot.js';
import type { TransitionListener } from '../emit/emit-state-transition.js';
import { describeError } from '../error-wording.js';
import { type Logger, safeLog } from '../logger.js';
import type { OperationalStateMachine } from '../machine/machine.js';

/**
 * Transition listeners: called after every committed transition, in order, each isolated (a throw or a
 * rejection is logged with its error and ignored). Async listeners are tracked so `flush()` can wait.
 */
export class TransitionListeners {
  readonly #listeners = new Set<TransitionListener>();
  /** Async listener work still running. */
  readonly work = new Set<Promise<void>>();
  readonly #logger: Logger;
  #seen = 0;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  add(listener: TransitionListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Follows the actor's committed transitions (every snapshot carries the last one). */
  follow(actor: Actor<OperationalStateMachine>): Subscription {
    return actor.subscribe({
      next: (snapshot) => {
        const t = snapshot.context.lastTransition;
        if (t === null || t.n <= this.#seen) return;
        this.#seen = t.n;
        if (this.#listeners.size === 0) return;
        const from = makeSnapshot(t.from, t.previousClaimPermission, t.previousDegradationReasons);
        const to = makeSnapshot(t.to, t.claimPermission, t.degradationReasons);
        for (const listener of [...this.#listeners]) this.#run(listener, from, to, t.trigger);
      },
      error: (err) => safeLog(this.#logger, 'error', { err }, 'operational-state actor failed'),
    });
  }

  #run(
    listener: TransitionListener,
    from: OperationalStateSnapshot,
    to: OperationalStateSnapshot,
    trigger: string,
  ): void {
    const report = (err: unknown) =>
      safeLog(
        this.#logger,
        'error',
        { err, from: from.primaryState, to: to.primaryState, trigger },
        `transition listener failed: ${describeError(err)}; ignored`,
      );
    try {
      const result = listener(from, to, trigger);
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
        const work: Promise<void> = Promise.resolve(result)
          .catch(report)
          .finally(() => this.work.delete(work));
        this.work.add(work);
      }
    } catch (err) {
      report(err);
    }
  }
}
