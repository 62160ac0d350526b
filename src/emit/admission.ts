import { type Logger, safeLog } from '../logger.js';
import { Waiters } from './waiters.js';

/** What admission reads of the pipeline it guards, at the moment it decides. */
export interface AdmissionView {
  /** Transitions not yet appended, including the ones in flight. */
  readonly queued: number;
  /** Transitions of the store call in flight, or 0. */
  readonly inFlight: number;
  readonly storeDown: boolean;
  readonly abandoned: boolean;
  /** `performance.now()` when the oldest queued transition was queued, if any. */
  readonly headQueuedAt: number | undefined;
  /** True when transitions are journaled to an outbox before their first attempt. */
  readonly journaled: boolean;
  persisted(): Promise<void>;
  /** Starts the next store call now if none is in flight. */
  pump(): void;
}

export interface AdmissionLimits {
  readonly maxQueued: number;
  readonly maxBatch: number;
  readonly maxLagMs: number;
}

/**
 * Backpressure for the callers of transitions: decides what a caller whose transition was just queued
 * waits for, and reports (once each way) when the queue goes over and back under its limit.
 */
export class Admission {
  readonly #view: AdmissionView;
  readonly #limits: AdmissionLimits;
  readonly #logger: Logger;
  #overLimit = false;
  readonly #room = new Waiters();
  /** Callers held until the attempt in flight settles. */
  readonly #progress = new Waiters();

  constructor(view: AdmissionView, limits: AdmissionLimits, logger: Logger) {
    this.#view = view;
    this.#limits = limits;
    this.#logger = logger;
  }

  /** True while more than `maxQueued` transitions wait. */
  get saturated(): boolean {
    return this.#view.queued > this.#limits.maxQueued;
  }

  /** Called after each enqueue: says so, loudly and once, when the queue goes over its limit. */
  enqueued(): void {
    if (!this.saturated || this.#overLimit) return;
    this.#overLimit = true;
    safeLog(
      this.#logger,
      'error',
      { pending: this.#view.queued, maxQueued: this.#limits.maxQueued },
      'emit queue is over its limit: the chain store is not keeping up or is down. Nothing is dropped; ' +
        'callers of transitionTo/send now wait for room (backpressure).',
    );
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
    const view = this.#view;
    if (view.journaled || this.saturated) return this.#admitSlowly();
    const queued = view.queued;
    if (queued === 0) return null;
    const { maxBatch, maxLagMs } = this.#limits;
    if (!view.storeDown && queued - view.inFlight >= maxBatch) {
      view.pump();
      if (view.queued - view.inFlight >= maxBatch) return this.#admitSlowly();
    }
    const headQueuedAt = view.headQueuedAt;
    if (headQueuedAt !== undefined && performance.now() - headQueuedAt >= maxLagMs) {
      return new Promise((resolve) => setImmediate(resolve));
    }
    return null;
  }

  async #admitSlowly(): Promise<void> {
    const view = this.#view;
    const { maxBatch } = this.#limits;
    await view.persisted();
    if (this.saturated) await this.waitForRoom();
    if (!view.storeDown && view.queued - view.inFlight >= maxBatch) view.pump();
    while (
      !view.storeDown &&
      !view.abandoned &&
      view.inFlight > 0 &&
      view.queued - view.inFlight >= maxBatch
    ) {
      await this.#progress.wait();
    }
  }

  /** Resolves once at most `maxQueued` transitions are waiting. */
  waitForRoom(): Promise<void> {
    return this.saturated ? this.#room.wait() : Promise.resolve();
  }

  /** Called whenever an attempt settles (and on abandon): releases whoever that lets go. */
  progressed(): void {
    if (this.#view.abandoned || this.#progress.size > 0) this.#progress.releaseAll();
    if (this.#overLimit && !this.saturated) {
      this.#overLimit = false;
      safeLog(this.#logger, 'warn', { pending: this.#view.queued }, 'emit queue back under its limit');
    }
    if (!this.saturated) this.#room.releaseAll();
  }
}
