import { makeSnapshot } from '../domain/snapshot.js';
import { GENERIC_TRANSITION_EVENT } from '../domain/vocabulary.js';
import { ChainStoreError, OperationalStateEmitError } from '../errors.js';
import { type Logger, safeLog } from '../logger.js';
import type { CommittedTransition } from '../machine/context.js';
import type { AppendedEvent, ChainEventInput } from '../store/chain/types.js';
import { appendTransitionEvents, DEFAULT_APPEND_TIMEOUT_MS, transitionEvents } from './append-transition.js';
import type { EmitOutbox } from './outbox.js';
import { type ChainProvider, describeError, resolveEmitTarget } from './provider.js';
import { type RetryPolicy, retryDelayMs } from './retry-policy.js';

/** Queued transitions above which the pipeline reports saturation and the runtime applies backpressure. */
export const DEFAULT_MAX_QUEUED_EMITS = 10_000;

/**
 * Transitions sent in one store call at most. Big enough that a burst is a handful of round trips, small
 * enough that one call stays well inside the append timeout and one SQL statement's arrays stay modest.
 */
export const DEFAULT_MAX_BATCH = 500;

export interface EmitPipelineOptions {
  readonly provider: ChainProvider;
  readonly logger: Logger;
  /** Bound on one append attempt (default 10 s); a hung store then counts as a failed attempt. */
  readonly appendTimeoutMs?: number;
  readonly retry?: RetryPolicy;
  /** See DEFAULT_MAX_QUEUED_EMITS. Nothing is ever dropped when it is exceeded. */
  readonly maxQueued?: number;
  /**
   * Durable storage for the queue: entries left by an earlier process are appended first, and each new
   * transition is written there before its first attempt (see EmitOutbox).
   */
  readonly outbox?: EmitOutbox;
  /** See DEFAULT_MAX_BATCH; 1 turns batching off (one store call per transition). */
  readonly maxBatch?: number;
}

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
}

const DONE: Promise<void> = Promise.resolve();
const NOTHING_TO_STORE: Promise<null> = Promise.resolve(null);

const PERMANENT_KINDS: ReadonlySet<string> = new Set(['invalid_input', 'unknown_event_type']);

/**
 * The work behind the emit service: appends transitions strictly in the order they were requested and
 * never throws. Whatever queued while an append was in flight goes in the next append as one store call
 * (one round trip), up to `maxBatch` transitions; a store call is all-or-nothing, so each transition's
 * events still land together and in order. A failed append is logged as OperationalStateEmitError and
 * retried with backoff and jitter until it lands; later transitions wait behind it, so order is kept.
 * Nothing is dropped on a timer or because the queue is long. It lives outside the actor on purpose:
 * entering the final `stopped` state stops every child, but the emit of that very transition (and any
 * queued before it) must still land, and `flush()` must still be able to wait for it.
 */
export class EmitPipeline {
  readonly #provider: ChainProvider;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #maxQueued: number;
  readonly #maxBatch: number;
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
  #draining = false;
  #saturated = false;
  #abandoned = false;
  #sleep: { timer: NodeJS.Timeout; wake: () => void } | null = null;
  readonly #outbox: EmitOutbox | null;
  /** Settles once leftovers from the outbox are queued: nothing is attempted before that. */
  readonly #ready: Promise<void>;
  #lastStored: Promise<unknown> = NOTHING_TO_STORE;

  constructor(options: EmitPipelineOptions) {
    this.#provider = options.provider;
    this.#logger = options.logger;
    this.#timeoutMs = options.appendTimeoutMs ?? DEFAULT_APPEND_TIMEOUT_MS;
    this.#retry = options.retry ?? {};
    this.#maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED_EMITS;
    this.#maxBatch = Math.max(1, Math.floor(options.maxBatch ?? DEFAULT_MAX_BATCH));
    this.#outbox = options.outbox ?? null;
    this.#ready = this.#outbox === null ? Promise.resolve() : this.#recover(this.#outbox);
    if (this.#outbox !== null) void this.#ready.then(() => this.#kick());
  }

  async #recover(outbox: EmitOutbox): Promise<void> {
    try {
      const leftovers = await outbox.pending();
      if (leftovers.length === 0) return;
      // Older than anything queued by this process, so they go first.
      this.#queue.unshift(
        ...leftovers.map((e) => ({
          transition: e.transition,
          events: e.events,
          attempts: 0,
          stored: Promise.resolve(e.id),
        })),
      );
      safeLog(
        this.#logger,
        'warn',
        { recovered: leftovers.length },
        `emit outbox: ${leftovers.length} transition(s) left by an earlier process are appended first`,
      );
    } catch (err) {
      safeLog(this.#logger, 'error', { err }, 'emit outbox could not be read; earlier leftovers stay in it');
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

  #kick(): void {
    if (!this.#draining && this.#queue.length > 0) void this.#drain();
  }

  /** Transitions not yet appended (including the one being attempted). */
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
    const events = transitionEvents(toAppend(transition));
    const stored = this.#outbox === null ? NOTHING_TO_STORE : this.#store(this.#outbox, transition, events);
    this.#lastStored = stored;
    this.#queue.push({ transition, events, attempts: 0, stored });
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
    this.#kick();
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
  async idle(): Promise<void> {
    await this.#ready;
    if (this.#queue.length === 0) return;
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Resolves once at most `maxQueued` transitions are waiting. */
  waitForRoom(): Promise<void> {
    if (!this.saturated) return Promise.resolve();
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
    const left = this.#queue.splice(0);
    if (this.#sleep !== null) {
      clearTimeout(this.#sleep.timer);
      this.#sleep.wake();
    }
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

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      await this.#ready;
      for (;;) {
        if (this.#queue.length === 0 || this.#abandoned) break;
        const size = this.#soloLeft > 0 ? 1 : Math.min(this.#queue.length, this.#maxBatch);
        const batch = this.#queue.slice(0, size);
        for (const item of batch) item.attempts += 1;
        const result = await this.#attempt(batch);
        if (this.#abandoned) break;
        if (result.refusedBatch) {
          // Not the transitions' fault yet: find the culprit one by one. The failed call counts for none.
          for (const item of batch) item.attempts -= 1;
          this.#soloLeft = batch.length;
          continue;
        }
        const { outcomes } = result;
        const first = outcomes[0];
        if (first !== undefined && (first.ok || !first.willRetry)) {
          // Counted only once the transition leaves the queue: a solo attempt that fails and is retried
          // must still be retried alone.
          if (this.#soloLeft > 0) this.#soloLeft -= 1;
          if (this.#outbox !== null) await Promise.all(batch.map((item) => this.#unstore(item)));
          this.#queue.splice(0, batch.length);
          if (!first.ok) {
            const item = batch[0] as QueuedEmit;
            this.#rejected.push({ transition: item.transition, events: item.events, error: first.error });
          }
        }
        for (const outcome of outcomes) this.#notify(outcome);
        this.#settleWaiters();
        if (first !== undefined && !first.ok && first.willRetry && first.retryInMs !== null) {
          await this.#pause(first.retryInMs);
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  /**
   * One store call for `batch`. Landed: one outcome per transition, each with its own appended events.
   * Failed: a single outcome about the head transition, since it is one failed attempt that every later
   * transition waits behind (exactly as before batching, so failure counts mean "failed store calls").
   * A batch of several that the store refuses outright comes back as `refusedBatch` instead.
   */
  async #attempt(
    batch: readonly QueuedEmit[],
  ): Promise<{ refusedBatch: false; outcomes: EmitOutcome[] } | { refusedBatch: true }> {
    const head = batch[0] as QueuedEmit;
    const { transition, attempts } = head;
    // Persisted before the first attempt, so a landed event always had an outbox entry.
    await (batch.length === 1 ? head.stored : Promise.all(batch.map((item) => item.stored)));
    const events = batch.length === 1 ? head.events : batch.flatMap((item) => item.events);
    try {
      const target = await resolveEmitTarget(this.#provider);
      const appended = await appendTransitionEvents(target, events, this.#timeoutMs);
      const outcomes: EmitOutcome[] = [];
      let at = 0;
      for (const item of batch) {
        const own = appended.slice(at, at + item.events.length);
        at += item.events.length;
        if (item.attempts > 1) {
          safeLog(
            this.#logger,
            'warn',
            { from: item.transition.from, to: item.transition.to, attempts: item.attempts },
            `emit landed after ${item.attempts} attempts`,
          );
        }
        outcomes.push({ ok: true, transition: item.transition, attempt: item.attempts, events: own });
      }
      return { refusedBatch: false, outcomes };
    } catch (err) {
      const error =
        err instanceof OperationalStateEmitError
          ? err
          : new OperationalStateEmitError(GENERIC_TRANSITION_EVENT, describeError(err), err);
      const original = error.originalError;
      const willRetry = !(original instanceof ChainStoreError && PERMANENT_KINDS.has(original.kind));
      if (!willRetry && batch.length > 1) {
        safeLog(
          this.#logger,
          'warn',
          { err: error, eventType: error.eventType, batch: batch.length },
          `chain store refused a batch of ${batch.length} transitions; appending them one by one to set aside only the refused one`,
        );
        return { refusedBatch: true };
      }
      const retryInMs = willRetry ? retryDelayMs(attempts, this.#retry) : null;
      safeLog(
        this.#logger,
        'error',
        {
          err: error,
          eventType: error.eventType,
          from: transition.from,
          to: transition.to,
          trigger: transition.trigger,
          attempt: attempts,
          batch: batch.length,
          willRetry,
          retryInMs,
          pending: this.#queue.length,
        },
        error.message,
      );
      return {
        refusedBatch: false,
        outcomes: [{ ok: false, transition, attempt: attempts, error, willRetry, retryInMs }],
      };
    }
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

  #settleWaiters(): void {
    if (this.#queue.length === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
    if (!this.saturated) {
      if (this.#saturated) {
        this.#saturated = false;
        safeLog(this.#logger, 'warn', { pending: this.#queue.length }, 'emit queue back under its limit');
      }
      const waiters = this.#roomWaiters;
      this.#roomWaiters = [];
      for (const w of waiters) w();
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.#sleep = null;
        resolve();
      };
      this.#sleep = { timer: setTimeout(wake, ms), wake };
    });
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
