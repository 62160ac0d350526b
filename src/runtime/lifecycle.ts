import type { EmitPipeline } from '../emit/emit-pipeline.js';
import { EmitFlushTimeoutError, OperationalStateInputError } from '../errors.js';
import { withTimeout } from '../util/with-timeout.js';
import { readInput } from './inputs.js';
import type { FlushOptions, StopOptions } from './types.js';

export interface LifecycleParts {
  readonly pipeline: EmitPipeline;
  /** Async listener work still running (it may cause further transitions and emits). */
  readonly listenerWork: ReadonlySet<Promise<void>>;
  /** Stops the actor and releases everything the runtime holds; called exactly once. */
  readonly release: () => Promise<void>;
}

function timeoutOf(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new OperationalStateInputError(field, value, 'expected a non-negative integer');
  }
  return value;
}

/**
 * Flushing and shutting down. One shutdown per runtime, whoever asks: an untimed `stop()` waits for the
 * flush; a timed one settles in its time whatever came before it (abandoning what is still queued, with
 * a log line per transition) and settles every earlier caller the same way. The only timer it arms is
 * the caller's own bound, cleared as soon as the stop settles.
 */
export class Lifecycle {
  readonly #parts: LifecycleParts;
  #shutdown: Promise<void> | null = null;
  #settle: ((error: Error | null) => void) | null = null;

  constructor(parts: LifecycleParts) {
    this.#parts = parts;
  }

  /** True once stop() was called. */
  get stopping(): boolean {
    return this.#shutdown !== null;
  }

  async #quiet(): Promise<void> {
    const { pipeline, listenerWork } = this.#parts;
    // Listeners may cause further transitions and emits: wait until both queues are quiet.
    for (;;) {
      await pipeline.idle();
      if (listenerWork.size > 0) await Promise.allSettled([...listenerWork]);
      if (pipeline.pending === 0 && listenerWork.size === 0) return;
    }
  }

  async flush(options: FlushOptions = {}): Promise<void> {
    const timeoutMs = readInput('options', options, () => timeoutOf(options.timeoutMs, 'timeoutMs'));
    if (timeoutMs === undefined) return this.#quiet();
    // keepAlive: the caller is waiting for this answer, so the process must live to give it.
    await withTimeout(
      this.#quiet(),
      timeoutMs,
      () => new EmitFlushTimeoutError(timeoutMs, this.#parts.pipeline.pending),
      { keepAlive: true },
    );
  }

  stop(options: StopOptions = {}): Promise<void> {
    let timeoutMs: number | undefined;
    try {
      timeoutMs = readInput('options', options, () => timeoutOf(options.flushTimeoutMs, 'flushTimeoutMs'));
    } catch (err) {
      return Promise.reject(err);
    }
    const shutdown = (this.#shutdown ??= this.#begin());
    if (timeoutMs === undefined) return shutdown;
    const bound = timeoutMs;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new EmitFlushTimeoutError(bound, this.#parts.pipeline.pending, true);
        this.#parts.pipeline.abandon();
        this.#settle?.(error);
      }, bound);
      shutdown.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  #begin(): Promise<void> {
    let settled = false;
    const done = new Promise<void>((resolve, reject) => {
      this.#settle = (error) => {
        if (settled) return;
        settled = true;
        // Released before settling: once stop settles, nothing of the runtime is left running.
        void this.#parts.release().finally(() => (error === null ? resolve() : reject(error)));
      };
    });
    this.#quiet().then(
      () => this.#settle?.(null),
      (err: unknown) => this.#settle?.(err instanceof Error ? err : new Error(String(err))),
    );
    return done;
  }
}
