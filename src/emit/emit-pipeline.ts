import { type Logger, safeLog } from '../logger.js';
import type { CommittedTransition } from '../machine/context.js';
import type { AppendedEvent, ChainEventInput } from '../store/chain/types.js';
import { committedTransitionEvents, DEFAULT_APPEND_TIMEOUT_MS } from './append-transition.js';
import { AppendAttempt, type AttemptResult } from './append-attempt.js';
import type { EmitOutcome, QueuedEmit, RejectedEmit } from './emit-outcome.js';
import type { EmitOutbox } from './outbox.js';
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
const NOTHING_TO_STORE: Promise<null> = Promise.resolve(null);

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
 * It lives outside the actor on purpose: entering the final `stopped` state stops every child, but the
 * emit of that very transition (and any queued before it) must still land, and `flush()` must still be
 * able to wait for it.
 */
export class EmitPipeline {
  readonly #logger: Logger;
  readonly #retry: RetryPolicy;
  readonly #maxQueued: number;
  readonly #maxBatch: number;
  readonly #maxLagMs: number;
  readonly #attempt: AppendAttempt;
  readonly #outage: OutageLog;
  /**
   * After a store refused a whole batch outright, this many transitions at the head of the queue are
   * appended one by one, so the refusal is pinned on the transition that caused it and only that one is
   * set aside.
   */
  #soloLeft = 0;
  readonly #observers = new Set<(outcome: EmitOutcome) => void>();
  readonly #queue: QueuedEmit[] = [];
  readonly #rejected: RejectedEmit[] = [];
  #idleWaiters: (() => void)[] = [];
  #roomWaiters: (() => void)[] = [];
  /** Callers held by `admit()` until the attempt in flight settles. */
  #progressWaiters: (() => void)[] = [];
  /** The transitions of the store call in flight (a prefix of the queue), or 0. */
  #inFlight = 0;
  #saturated = false;
  #abandoned = false;
  #sleep: { timer: NodeJS.Timeout; wake: () => void } | null = null;
  #deferred: NodeJS.Immediate | null = null;
  readonly #outbox: EmitOutbox | null;
  /** False until leftovers from the outbox are queued: nothing is attempted before that. */
  #recovered: boolean;
  readonly #ready: Promise<void>;
  #lastStored: Promise<unknown> = NOTHING_TO_STORE;

  constructor(options: EmitPipelineOptions) {
    this.#logger = options.logger;
    this.#retry = options.retry ?? {};
    this.#maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED_EMITS;
    this.#maxBatch = Math.max(1, Math.floor(options.maxBatch ?? DEFAULT_MAX_BATCH));
    this.#maxLagMs = Math.max(0, options.maxLagMs ?? DEFAULT_MAX_EMIT_LAG_MS);
    this.#attempt = new AppendAttempt(
      options.provider,
      options.appendTimeoutMs ?? DEFAULT_APPEND_TIMEOUT_MS,
      (result) => this.#settled(result),
    );
    this.#outage = new OutageLog(this.#logger);
    this.#outbox = options.outbox ?? null;
    this.#recovered = this.#outbox === null;
    this.#ready = this.#outbox === null ? DONE : this.#recover(this.#outbox);
  }

  async #recover(outbox: EmitOutbox): Promise<void> {
    try {
      const leftovers = await outbox.pending();
      if (leftovers.length > 0) {
        // Older than anything queued by this process, so they go first.
        const queuedAt = performance.now();
        this.#queue.unshift(
          ...leftovers.map((e) => ({
            transition: e.transition,
            events: e.events,
            attempts: 0,
            stored: Promise.resolve(e.id),
            queuedAt,
          })),
        );
        safeLog(
          this.#logger,
          'warn',
          { recovered: leftovers.length },
          `emit outbox: ${leftovers.length} transition(s) left by an earlier process are appended first`,
        );
      }
    } catch (err) {
      safeLog(this.#logger, 'error', { err }, 'emit outbox could not be read; earlier leftovers stay in it');
    } finally {
      this.#recovered = true;
      this.#pump();
    }
  }

  /**
   * Resolves once every transition enqueued so far is in the outbox (at once without one): with an
   * outbox, a transition whose emit is persisted survives a restart.
   */
  persisted(): Promise<void> {
    // Without an outbox there is nothing to wait for: no promise per transition on the hot path.
    return this.#outbox === null ? DONE : this.#lastStored.then(() => undefined);
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
    return this.#queue.length > this.#maxQueued;
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
    const stored = this.#outbox === null ? NOTHING_TO_STORE : this.#store(this.#outbox, transition, events);
    if (this.#outbox !== null) this.#lastStored = stored;
    this.#queue.push({ transition, events, attempts: 0, stored, queuedAt: performance.now() });
    if (this.saturated && !this.#saturated) {
      this.#saturated = true;
      safeLog(
        this.#logger,
        'error',
        { pending: this.#queue.length, maxQueued: this.#maxQueued },
        'emit queue is over its limit: the chain store is not keeping up or is down. Nothing is dropped; ' +
          'callers of transitionTo/send now wait for room (backpressure).',
      );
    }
    // Deferred, not started here: this runs inside the actor's transition, and a burst should batch.
    if (this.#deferred === null && this.#inFlight === 0) {
      this.#deferred = setImmediate(() => {
        this.#deferred = null;
        this.#pump();
      });
    }
  }

  /**
   * What the caller of the transition just enqueued waits for before it resolves; null when it may go
   * on at once (the hot path allocates nothing). It waits until its emit is in the outbox (with one),
   * until at most `maxQueued` wait, and, while the store answers, until at most one full batch waits
   * behind the store call in flight: so a tight `await transitionTo()` loop lets its emits land as it
   * goes, and a SIGKILL loses at most the batch in flight plus one more. Past `maxLagMs` with emits
   * still queued, it also yields one macrotask, so a loop that never lets the event loop turn cannot
   * starve the store's I/O or the retry timer. During an outage only `maxQueued` holds callers back:
   * the store's trouble never stops the machine.
   */
  admit(): Promise<void> | null {
    if (this.#outbox !== null || this.saturated) return this.#admitSlowly();
    const queued = this.#queue.length;
    if (queued === 0) return null;
    if (!this.#outage.active && queued - this.#inFlight >= this.#maxBatch) {
      this.#pump();
      if (this.#queue.length - this.#inFlight >= this.#maxBatch) return this.#admitSlowly();
    }
    const head = this.#queue[0];
    if (head !== undefined && performance.now() - head.queuedAt >= this.#maxLagMs) {
      return new Promise((resolve) => setImmediate(resolve));
    }
    return null;
  }

  async #admitSlowly(): Promise<void> {
    await this.persisted();
    if (this.saturated) await this.waitForRoom();
    if (!this.#outage.active && this.#queue.length - this.#inFlight >= this.#maxBatch) this.#pump();
    while (
      !this.#outage.active &&
      !this.#abandoned &&
      this.#inFlight > 0 &&
      this.#queue.length - this.#inFlight >= this.#maxBatch
    ) {
      await new Promise<void>((resolve) => this.#progressWaiters.push(resolve));
    }
  }

  #store(outbox: EmitOutbox, transition: CommittedTransition, events: readonly ChainEventInput[]) {
    return outbox.put({ transition, events }).catch((err: unknown) => {
      safeLog(
        this.#logger,
        'error',
        { err, from: transition.from, to: transition.to, trigger: transition.trigger },
        'emit outbox write failed: this transition is queued in memory only and would not survive a restart',
      );
      return null;
    });
  }

  /** Resolves once every transition enqueued so far has been appended (or refused outright). */
  idle(): Promise<void> {
    if (!this.#recovered) return this.#ready.then(() => this.idle());
    if (this.#queue.length === 0) return DONE;
    // The caller is waiting for these very emits: start now rather than on the deferred tick.
    this.#pump();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Resolves once at most `maxQueued` transitions are waiting. */
  waitForRoom(): Promise<void> {
    if (!this.saturated) return DONE;
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /** Observes every outcome (each failed attempt too), in order. Returns a detach function. */
  observe(observer: (outcome: EmitOutcome) => void): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
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
    if (this.#sleep !== null) {
      clearTimeout(this.#sleep.timer);
      this.#sleep.wake();
    }
    if (this.#deferred !== null) clearImmediate(this.#deferred);
    this.#deferred = null;
    for (const item of left) {
      safeLog(
        this.#logger,
        'error',
        {
          from: item.transition.from,
          to: item.transition.to,
          trigger: item.transition.trigger,
          attempts: item.attempts,
          events: item.events,
        },
        this.#outbox === null
          ? 'emit abandoned at stop: this transition never reached the chain store'
          : 'emit abandoned at stop: it stays in the outbox and is appended on the next start',
      );
    }
    this.#settleWaiters();
    return left;
  }

  /** Starts the next store call unless one is in flight, a retry is sleeping, or there is nothing. */
  #pump(): void {
    if (this.#inFlight > 0 || this.#sleep !== null || this.#abandoned || !this.#recovered) return;
    const queued = this.#queue.length;
    if (queued === 0) return;
    const size = this.#soloLeft > 0 ? 1 : Math.min(queued, this.#maxBatch);
    const batch = size === 1 ? [this.#queue[0] as QueuedEmit] : this.#queue.slice(0, size);
    for (const item of batch) item.attempts += 1;
    this.#inFlight = size;
    if (this.#outbox === null) {
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
      if (this.#outbox !== null) {
        void Promise.all(batch.map((item) => this.#unstore(item))).then(() =>
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
        this.#notify({ ok: true, transition: item.transition, attempt: item.attempts, events });
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
    if (willRetry || this.#outbox === null) {
      this.#afterFailure(head, outcome);
      return;
    }
    // Out of the outbox before it leaves the queue, as a landed one: flush() then means "settled there too".
    void this.#unstore(head).then(() => this.#afterFailure(head, outcome));
  }

  #afterFailure(head: QueuedEmit, outcome: Extract<EmitOutcome, { ok: false }>): void {
    if (this.#abandoned) return;
    if (!outcome.willRetry) {
      this.#queue.shift();
      this.#rejected.push({ transition: head.transition, events: head.events, error: outcome.error });
    }
    this.#inFlight = 0;
    this.#notify(outcome);
    this.#progressed();
    if (outcome.retryInMs === null) this.#pump();
    else this.#pause(outcome.retryInMs);
  }

  async #unstore(item: QueuedEmit): Promise<void> {
    const id = await item.stored;
    if (id === null || this.#outbox === null) return;
    try {
      await this.#outbox.remove(id);
    } catch (err) {
      // Harmless: the entry is appended again on the next start and comes back as a duplicate.
      safeLog(this.#logger, 'warn', { err, outboxId: id }, 'emit outbox entry could not be removed');
    }
  }

  #notify(outcome: EmitOutcome): void {
    for (const observer of this.#observers) {
      try {
        observer(outcome);
      } catch (err) {
        safeLog(this.#logger, 'error', { err }, 'emit outcome observer threw; ignored');
      }
    }
  }

  #progressed(): void {
    if (this.#progressWaiters.length > 0) {
      const waiters = this.#progressWaiters;
      this.#progressWaiters = [];
      for (const w of waiters) w();
    }
    this.#settleWaiters();
  }

  #settleWaiters(): void {
    if (this.#queue.length === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
    if (this.#abandoned && this.#progressWaiters.length > 0) {
      const waiters = this.#progressWaiters;
      this.#progressWaiters = [];
      for (const w of waiters) w();
    }
    if (this.#saturated && !this.saturated) {
      this.#saturated = false;
      safeLog(this.#logger, 'warn', { pending: this.#queue.length }, 'emit queue back under its limit');
    }
    if (!this.saturated && this.#roomWaiters.length > 0) {
      const waiters = this.#roomWaiters;
      this.#roomWaiters = [];
      for (const w of waiters) w();
    }
  }

  #pause(ms: number): void {
    const wake = () => {
      this.#sleep = null;
      this.#pump();
    };
    this.#sleep = { timer: setTimeout(wake, ms), wake };
  }
}
