import type { OperationalStateEmitError } from '../errors.js';
import { type Logger, safeLog } from '../logger.js';

/**
 * Logs a store outage as two lines instead of one per failed call: an error when the first append fails
 * (fail loud: the OperationalStateEmitError as `err`, pino style, so the cause and its stack are in the
 * logs), debug lines for the retries that fail after it, and one info when an append lands again, with
 * how many transitions waited, how many calls failed and for how long. Refusals of the events themselves are not outages; the pipeline logs those as errors.
 */
export class OutageLog {
  readonly #logger: Logger;
  #since: number | null = null;
  #failedCalls = 0;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** True from the first failed append until one lands again. */
  get active(): boolean {
    return this.#since !== null;
  }

  /** A retryable append failed; `fields` go into the log line as they are. */
  failed(error: OperationalStateEmitError, fields: Record<string, unknown>): void {
    this.#failedCalls += 1;
    if (this.#since === null) {
      this.#since = Date.now();
      safeLog(
        this.#logger,
        'error',
        { err: error, eventType: error.eventType, outage: 'started', ...fields },
        `${error.message} Emits stay queued in order and are retried until the store answers; ` +
          'failed retries are logged at debug level, and the end of the outage once.',
      );
      return;
    }
    safeLog(
      this.#logger,
      'debug',
      { err: error, eventType: error.eventType, outage: 'ongoing', ...fields },
      error.message,
    );
  }

  /** An append landed; `waited` transitions were queued at that moment (this batch included). */
  landed(waited: number): void {
    if (this.#since === null) return;
    const durationMs = Date.now() - this.#since;
    const failedCalls = this.#failedCalls;
    this.#since = null;
    this.#failedCalls = 0;
    safeLog(
      this.#logger,
      'info',
      { outage: 'ended', transitions: waited, durationMs, failedCalls },
      `chain store is back after ${(durationMs / 1000).toFixed(1)} s: ${waited} queued transition(s) ` +
        `are being appended (${failedCalls} failed store call(s) in between)`,
    );
  }
}
