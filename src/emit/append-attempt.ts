import { ChainStoreError, type OperationalStateEmitError } from '../errors.js';
import type { AppendedEvent, ChainEventInput } from '../store/chain/types.js';
import { toEmitError } from './append-transition.js';
import type { QueuedEmit } from './emit-outcome.js';
import { type ChainProvider, type EmitTarget, resolveEmitTargetNow } from './provider.js';

/** How one store call for a batch ended. */
export type AttemptResult =
  | { readonly kind: 'landed'; readonly batch: readonly QueuedEmit[]; readonly appended: AppendedEvent[] }
  | {
      readonly kind: 'failed';
      readonly batch: readonly QueuedEmit[];
      readonly error: OperationalStateEmitError;
      /** False when the store refused the events themselves: retrying cannot change its answer. */
      readonly willRetry: boolean;
    }
  /** A batch of several refused outright: not yet any one transition's fault. */
  | {
      readonly kind: 'refused-batch';
      readonly batch: readonly QueuedEmit[];
      readonly error: OperationalStateEmitError;
    };

const PERMANENT_KINDS: ReadonlySet<string> = new Set(['invalid_input', 'unknown_event_type', 'fenced']);

/**
 * One store call at a time for the pipeline, with its preflight and its timeout, reporting each end
 * exactly once through `onSettled`, always from a later microtask than `start` (so the pipeline is never
 * re-entered from inside its own call). No timer per call: one watchdog, armed when an attempt starts
 * and none is armed, checks on firing whether the attempt in flight is older than the timeout and re-arms
 * for the rest otherwise; it is unref'd between attempts, so an idle pipeline never holds the process.
 * An attempt that ends after its timeout fired is ignored (its retry carries the same idempotency keys).
 */
export class AppendAttempt {
  readonly #provider: ChainProvider;
  readonly #timeoutMs: number;
  readonly #onSettled: (result: AttemptResult) => void;
  #token = 0;
  #current: {
    readonly token: number;
    readonly batch: readonly QueuedEmit[];
    readonly startedAt: number;
  } | null = null;
  #watchdog: NodeJS.Timeout | null = null;

  constructor(provider: ChainProvider, timeoutMs: number, onSettled: (result: AttemptResult) => void) {
    this.#provider = provider;
    this.#timeoutMs = timeoutMs;
    this.#onSettled = onSettled;
  }

  start(batch: readonly QueuedEmit[]): void {
    const token = ++this.#token;
    this.#current = { token, batch, startedAt: performance.now() };
    if (this.#watchdog === null) this.#watchdog = setTimeout(this.#onWatchdog, this.#timeoutMs);
    else this.#watchdog.ref();
    let target: EmitTarget | Promise<EmitTarget>;
    try {
      target = resolveEmitTargetNow(this.#provider);
    } catch (err) {
      queueMicrotask(() => this.#fail(token, err));
      return;
    }
    if (target instanceof Promise) {
      target.then(
        (resolved) => this.#call(token, resolved),
        (err: unknown) => this.#fail(token, err),
      );
    } else {
      this.#call(token, target);
    }
  }

  /**
   * Clears the watchdog once no attempt is in flight. Left armed, it would hold this attempt's pipeline
   * (and through it the runtime and its store) in memory until it fires, a whole timeout after the last
   * append: a stopped runtime is to be garbage at once.
   */
  release(): void {
    if (this.#current !== null || this.#watchdog === null) return;
    clearTimeout(this.#watchdog);
    this.#watchdog = null;
  }

  /** Forgets the attempt in flight (stop gave up): whatever it answers later is ignored. */
  cancel(): void {
    this.#token += 1;
    this.#current = null;
    if (this.#watchdog !== null) clearTimeout(this.#watchdog);
    this.#watchdog = null;
  }

  #call(token: number, target: EmitTarget): void {
    const current = this.#current;
    if (current === null || current.token !== token) return;
    const { batch } = current;
    const events: readonly ChainEventInput[] =
      batch.length === 1 ? (batch[0] as QueuedEmit).events : batch.flatMap((item) => item.events);
    let answer: Promise<AppendedEvent[]>;
    try {
      answer = target.store.append(target.workspaceId, events);
    } catch (err) {
      // A store whose append throws synchronously is handled like one that rejects.
      queueMicrotask(() => this.#fail(token, err));
      return;
    }
    Promise.resolve(answer).then(
      (appended) => this.#land(token, appended, events.length),
      (err: unknown) => this.#fail(token, err),
    );
  }

  #land(token: number, appended: unknown, expected: number): void {
    const current = this.#end(token);
    if (current === null) return;
    if (!Array.isArray(appended)) {
      this.#report(
        current.batch,
        new Error(`chain store answered ${typeof appended} for an append of ${expected} events`),
      );
      return;
    }
    this.#onSettled({ kind: 'landed', batch: current.batch, appended: appended as AppendedEvent[] });
  }

  #fail(token: number, err: unknown): void {
    const current = this.#end(token);
    if (current !== null) this.#report(current.batch, err);
  }

  #report(batch: readonly QueuedEmit[], err: unknown): void {
    const error = toEmitError(err);
    const original = error.originalError;
    const willRetry = !(original instanceof ChainStoreError && PERMANENT_KINDS.has(original.kind));
    if (!willRetry && batch.length > 1) this.#onSettled({ kind: 'refused-batch', batch, error });
    else this.#onSettled({ kind: 'failed', batch, error, willRetry });
  }

  /** The attempt `token` ends now, unless it already ended (timed out or cancelled). */
  #end(token: number): { readonly batch: readonly QueuedEmit[] } | null {
    const current = this.#current;
    if (current === null || current.token !== token) return null;
    this.#current = null;
    this.#watchdog?.unref();
    return current;
  }

  readonly #onWatchdog = (): void => {
    this.#watchdog = null;
    const current = this.#current;
    if (current === null) return;
    const age = performance.now() - current.startedAt;
    if (age + 1 >= this.#timeoutMs) {
      this.#fail(
        current.token,
        new ChainStoreError('timeout', `chain store did not answer within ${this.#timeoutMs} ms`),
      );
      return;
    }
    this.#watchdog = setTimeout(this.#onWatchdog, this.#timeoutMs - age);
  };
}
