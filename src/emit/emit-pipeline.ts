import { type Logger, safeLog } from '../logger.js';
import type { CommittedTransition } from '../machine/context.js';
import type { AppendedEvent } from '../store/chain/types.js';
import { committedTransitionEvents, DEFAULT_APPEND_TIMEOUT_MS } from './append-transition.js';
import { AppendAttempt, type AttemptResult } from './append-attempt.js';
import type { EmitOutcome, QueuedEmit, RejectedEmit } from './emit-outcome.js';
import { logAbandoned } from './abandon-log.js';
import { Admission, type AdmissionView } from './admission.js';
import { OutboxJournal } from './outbox-journal.js';
import { outboxBoundProvider } from './outbox-workspace.js';
import { OutcomeObservers } from './outcome-observers.js';
import { RetrySleep } from './retry-sleep.js';
import { Waiters } from './waiters.js';
import { OutageLog } from './outage-log.js';
import { type RetryPolicy, retryDelayMs } from './retry-policy.js';
import {
  DEFAULT_MAX_BATCH,
  DEFAULT_MAX_EMIT_LAG_MS,
  DEFAULT_MAX_QUEUED_EMITS,
  type EmitPipelineOptions,
} from './emit-pipeline-options.js';

export type { EmitAppended, EmitFailed, EmitOutcome, QueuedEmit, RejectedEmit } from './emit-outcome.js';

export {
  DEFAULT_MAX_BATCH,
  DEFAULT_MAX_EMIT_LAG_MS,
  DEFAULT_MAX_QUEUED_EMITS,
  type EmitPipelineOptions,
} from './emit-pipeline-options.js';

const DONE: Promise<void> = Promise.resolve();
const NOT_JOURNALED: Promise<null> = Promise.resolve(null);

/**
 * The work behind the emit service: appends transitions strictly in the order they were requested and
 * never throws. A store call is all-or-nothing; whatever queued while one was in flight goes in the next
 * as one call, up to `maxBatch` transitions, so each transition's events still land together and in
 * order. A failed append is retried with backoff and jitter, with the same idempotency keys, until it
 * lands; later transitions wait behind it. Nothing is dropped on a timer or because the queue is long.
 *
 * How it stays lean: no timer, promise or async function per append. An enqueue defers the store call
 * to the next macrotask (one `setImmediate` for however many transitions queue meanwhile), so a burst
 * becomes a few batches; `idle()` (flush) and `admit()` start it at once instead, so a caller waiting
 * for its emit never waits for a tick. An attempt is `store.append(...).then(...)`, one hop; one
 * watchdog timer, re-armed only when it fires, bounds every attempt by `appendTimeoutMs`.
 *
 * Admission and backpressure live in `Admission`, the outbox in `OutboxJournal`; this class holds the
 * queue and its attempts.
 *
 * It lives outside the actor on purpose: entering the final `stopped` state stops every child, but the
 * emit of that very transition (and any queued before it) must still land, and `flush()` must still be
 * able to wait for it.
 */
export class EmitPipeline {
  readonly #logger: Logger;
  readonly #retry: RetryPolicy;
  readonly #maxBatch: number;
  readonly #attempt: AppendAttempt;
  readonly #outage: OutageLog;
  readonly #admission: Admission;
  /**
   * After a store refused a whole batch outright, this many transitions at the head of the queue are
   * appended one by one, so the refusal is pinned on the transition that caused it and only that one is
   * set aside.
   */
  #soloLeft = 0;
  readonly #observers: OutcomeObservers;
  readonly #queue: QueuedEmit[] = [];
  readonly #rejected: RejectedEmit[] = [];
  readonly #idle = new Waiters();
  /** The transitions of the store call in flight (a prefix of the queue), or 0. */
  #inFlight = 0;
  #abandoned = false;
  readonly #retrySleep = new RetrySleep();
  #deferred: NodeJS.Immediate | null = null;
  readonly #journal: OutboxJournal | null;
  /** False until leftovers from the outbox are queued: nothing is attempted before that. */
  #recovered: boolean;
  readonly #ready: Promise<void>;

  constructor(options: EmitPipelineOptions) {
    this.#logger = options.logger;
    this.#retry = options.retry ?? {};
    this.#maxBatch = Math.max(1, Math.floor(options.maxBatch ?? DEFAULT_MAX_BATCH));
    const outbox = options.outbox ?? null;
    this.#attempt = new AppendAttempt(
      outbox === null || options.provider === null || options.provider === undefined
        ? options.provider
        : outboxBoundProvider(options.provider, outbox.workspaceId),
      options.appendTimeoutMs ?? DEFAULT_APPEND_TIMEOUT_MS,
      (result) => this.#settled(result),
    );
    this.#outage = new OutageLog(this.#logger);
    this.#observers = new OutcomeObservers(this.#logger);
    this.#journal = outbox === null ? null : new OutboxJournal(outbox, this.#logger);
    this.#admission = new Admission(
      this.#admissionView(),
      {
        maxQueued: options.maxQueued ?? DEFAULT_MAX_QUEUED_EMITS,
        maxBatch: this.#maxBatch,
        maxLagMs: Math.max(0, options.maxLagMs ?? DEFAULT_MAX_EMIT_LAG_MS),
      },
      this.#logger,
    );
    this.#recovered = this.#journal === null;
    this.#ready = this.#journal === null ? DONE : this.#recover(this.#journal);
  }

  #admissionView(): AdmissionView {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- getters below read the live pipeline
    const pipeline = this;
    return {
      get queued() {
        return pipeline.#queue.length;
      },
      get inFlight() {
        return pipeline.#inFlight;
      },
      get storeDown() {
        return pipeline.#outage.active;
      },
      get abandoned() {
        return pipeline.#abandoned;
      },
      get headQueuedAt() {
        return pipeline.#queue[0]?.queuedAt;
      },
      journaled: this.#journal !== null,
      persisted: () => this.persisted(),
      pump: () => this.#pump(),
    };
  }

  async #recover(journal: OutboxJournal): Promise<void> {
    // Older than anything queued by this process, so they go first.
    this.#queue.unshift(...(await journal.recover()));
    this.#recovered = true;
    this.#pump();
  }

  /**
   * Resolves once every transition enqueued so far is in the outbox (at once without one): with an
   * outbox, a transition whose emit is persisted survives a restart.
   */
  persisted(): Promise<void> {
    // Without an outbox there is nothing to wait for: no promise per transition on the hot path.
    return this.#journal === null ? DONE : this.#journal.persisted();
  }

  /** Transitions not yet appended (including the ones being attempted). */
  get pending(): number {
    return this.#queue.length;
  }

  /** Transitions the store refused outright (never retried); see EmitFailed.willRetry. */
  get rejected(): readonly RejectedEmit[] {
    return this.#rejected;
  }

  /** True while more than `maxQueued` transitions wait. */
  get saturated(): boolean {
    return this.#admission.saturated;
  }

  /** True from a failed append until one lands again (refusals of the events themselves excluded). */
  get storeDown(): boolean {
    return this.#outage.active;
  }

  enqueue(transition: CommittedTransition): void {
    if (this.#abandoned) {
      safeLog(
        this.#logger,
        'error',
        { from: transition.from, to: transition.to, trigger: transition.trigger },
        'emit pipeline was abandoned by stop(); this transition is not appended',
      );
      return;
    }
    const events = committedTransitionEvents(transition);
    const stored = this.#journal === null ? NOT_JOURNALED : this.#journal.store(transition, events);
    this.#queue.push({ transition, events, attempts: 0, stored, queuedAt: performance.now() });
    this.#admission.enqueued();
    // Deferred, not started here: this runs inside the actor's transition, and a burst should batch.
    if (this.#deferred === null && this.#inFlight === 0) {
      this.#deferred = setImmediate(() => {
        this.#deferred = null;
        this.#pump();
      });
    }
  }

  /** See `Admission.admit`: what the caller of the transition just enqueued waits for, or null. */
  admit(): Promise<void> | null {
    return this.#admission.admit();
  }

  /** Resolves once every transition enqueued so far has been appended (or refused outright). */
  idle(): Promise<void> {
    if (!this.#recovered) return this.#ready.then(() => this.idle());
    if (this.#queue.length === 0) return DONE;
    // The caller is waiting for these very emits: start now rather than on the deferred tick.
    this.#pump();
    return this.#idle.wait();
  }

  /** Resolves once at most `maxQueued` transitions are waiting. */
  waitForRoom(): Promise<void> {
    return this.#admission.waitForRoom();
  }

  /** Observes every outcome (each failed attempt too), in order. Returns a detach function. */
  observe(observer: (outcome: EmitOutcome) => void): () => void {
    return this.#observers.add(observer);
  }

  /**
   * Call when done with the pipeline (the runtime's `stop()` does): clears its append watchdog, a timer
   * that otherwise keeps the pipeline, its store and what it holds in memory for up to the append timeout
   * after the last append. Harmless at any time: an append in flight keeps its watchdog, and a later
   * append arms a new one.
   */
  release(): void {
    this.#attempt.release();
  }

  /**
   * Stops retrying and gives back what never landed, logging it loudly with its events (idempotency keys
   * included, so an operator can replay them). Only `stop()` after a flush timeout calls this: it is the
   * one place events are knowingly given up, and only because the caller asked to exit.
   */
  abandon(): QueuedEmit[] {
    this.#abandoned = true;
    this.#attempt.cancel();
    this.#inFlight = 0;
    const left = this.#queue.splice(0);
    this.#retrySleep.cut();
    if (this.#deferred !== null) clearImmediate(this.#deferred);
    this.#deferred = null;
    logAbandoned(this.#logger, left, this.#journal !== null);
    this.#progressed();
    return left;
  }

  /** Starts the next store call unless one is in flight, a retry is sleeping, or there is nothing. */
  #pump(): void {
    if (this.#inFlight > 0 || this.#retrySleep.sleeping || this.#abandoned || !this.#recovered) return;
    const queued = this.#queue.length;
    if (queued === 0) return;
    const size = this.#soloLeft > 0 ? 1 : Math.min(queued, this.#maxBatch);
    const batch = size === 1 ? [this.#queue[0] as QueuedEmit] : this.#queue.slice(0, size);
    for (const item of batch) item.attempts += 1;
    this.#inFlight = size;
    if (this.#journal === null) {
      this.#attempt.start(batch);
      return;
    }
    // Persisted before the first attempt, so a landed event always had an outbox entry.
    void Promise.all(batch.map((item) => item.stored)).then(() => {
      if (!this.#abandoned) this.#attempt.start(batch);
    });
  }

  /** Every attempt ends here, exactly once (landed, failed, or timed out by the watchdog). */
  #settled(result: AttemptResult): void {
    if (this.#abandoned) return;
    const { batch } = result;
    if (result.kind === 'refused-batch') {
      // Not the transitions' fault yet: find the culprit one by one. The failed call counts for none.
      for (const item of batch) item.attempts -= 1;
      this.#soloLeft = batch.length;
      safeLog(
        this.#logger,
        'warn',
        { err: result.error, eventType: result.error.eventType, batch: batch.length },
        `chain store refused a batch of ${batch.length} transitions; appending them one by one to set aside only the refused one`,
      );
      this.#inFlight = 0;
      this.#pump();
      return;
    }
    if (result.kind === 'landed') {
      this.#outage.landed(this.#queue.length);
      if (this.#soloLeft > 0) this.#soloLeft -= 1;
      const journal = this.#journal;
      if (journal !== null) {
        void Promise.all(batch.map((item) => journal.unstore(item))).then(() =>
          this.#landed(batch, result.appended),
        );
      } else {
        this.#landed(batch, result.appended);
      }
      return;
    }
    this.#failed(batch, result);
  }

  #landed(batch: readonly QueuedEmit[], appended: readonly AppendedEvent[]): void {
    if (this.#abandoned) return;
    if (batch.length === 1) this.#queue.shift();
    else this.#queue.splice(0, batch.length);
    this.#inFlight = 0;
    if (this.#observers.size > 0) {
      let at = 0;
      for (const item of batch) {
        const events = batch.length === 1 ? appended : appended.slice(at, at + item.events.length);
        at += item.events.length;
        this.#observers.notify({ ok: true, transition: item.transition, attempt: item.attempts, events });
      }
    }
    this.#progressed();
    this.#pump();
  }

  /**
   * A failed attempt is one outcome about the head transition, since it is one failed store call that
   * every later transition waits behind (so failure counts mean "failed store calls").
   */
  #failed(batch: readonly QueuedEmit[], result: Extract<AttemptResult, { kind: 'failed' }>): void {
    const { error, willRetry } = result;
    const head = batch[0] as QueuedEmit;
    const { transition, attempts } = head;
    const retryInMs = willRetry ? retryDelayMs(attempts, this.#retry) : null;
    const fields = {
      from: transition.from,
      to: transition.to,
      trigger: transition.trigger,
      attempt: attempts,
      batch: batch.length,
      willRetry,
      retryInMs,
      pending: this.#queue.length,
    };
    if (willRetry) {
      this.#outage.failed(error, fields);
    } else {
      safeLog(this.#logger, 'error', { err: error, eventType: error.eventType, ...fields }, error.message);
      if (this.#soloLeft > 0) this.#soloLeft -= 1;
    }
    const outcome: EmitOutcome = { ok: false, transition, attempt: attempts, error, willRetry, retryInMs };
    if (willRetry || this.#journal === null) {
      this.#afterFailure(head, outcome);
      return;
    }
    // Out of the outbox before it leaves the queue, as a landed one: flush() then means "settled there too".
    void this.#journal.unstore(head).then(() => this.#afterFailure(head, outcome));
  }

  #afterFailure(head: QueuedEmit, outcome: Extract<EmitOutcome, { ok: false }>): void {
    if (this.#abandoned) return;
    if (!outcome.willRetry) {
      this.#queue.shift();
      this.#rejected.push({ transition: head.transition, events: head.events, error: outcome.error });
    }
    this.#inFlight = 0;
    this.#observers.notify(outcome);
    this.#progressed();
    if (outcome.retryInMs === null) this.#pump();
    else this.#retrySleep.start(outcome.retryInMs, () => this.#pump());
  }

  #progressed(): void {
    if (this.#queue.length === 0) this.#idle.releaseAll();
    this.#admission.progressed();
  }
}
