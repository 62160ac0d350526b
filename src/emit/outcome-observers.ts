import { type Logger, safeLog } from '../logger.js';
import type { EmitOutcome } from './emit-outcome.js';

/** Who hears each emit outcome; an observer that throws is logged and never stops the others. */
export class OutcomeObservers {
  readonly #observers = new Set<(outcome: EmitOutcome) => void>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  get size(): number {
    return this.#observers.size;
  }

  /** Returns a detach function. */
  add(observer: (outcome: EmitOutcome) => void): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  notify(outcome: EmitOutcome): void {
    for (const observer of this.#observers) {
      try {
        observer(outcome);
      } catch (err) {
        safeLog(this.#logger, 'error', { err }, 'emit outcome observer threw; ignored');
      }
    }
  }
}
