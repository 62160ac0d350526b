import type {
  Attributes,
  BatchObservableResult,
  Counter,
  Histogram,
  Meter,
  ObservableCounter,
  ObservableGauge,
} from '@opentelemetry/api';
import { PRIMARY_STATES, type PrimaryState } from '../domain/vocabulary.js';
import {
  APPEND_DURATION,
  CHECKPOINT_AGE,
  EMIT_FAILURES,
  EMIT_LAG,
  EMIT_PENDING,
  type MetricDescription,
  MS_BUCKETS,
  STATE,
  TRANSITIONS,
} from './catalog.js';

/** What the gauges read from one live runtime at collection time. */
export interface AgentReadings {
  state(): PrimaryState;
  pending(): number;
  /** Seconds since the last checkpoint, or null without checkpoints. */
  checkpointAgeS(): number | null;
  /** The `workspace` attribute, or null when the embedder did not opt in (or it is not known yet). */
  workspace(): string | null;
}

const options = (d: MetricDescription) => ({ unit: d.unit, description: d.description });

/**
 * One meter's instruments, created once, and the runtimes recording on it. The gauges are one batch
 * callback per meter over every live runtime: runtimes that share a meter without the `workspace`
 * attribute would otherwise report the same series and overwrite each other, so they are summed here.
 */
export class MeterInstruments {
  readonly failures: Counter;
  readonly lag: Histogram;
  readonly append: Histogram;
  readonly #transitions: ObservableCounter;
  /**
   * Transitions per (from, to, literal), counted here and reported when the SDK collects: the counter
   * is an observable one so that a transition costs three map lookups and an increment, not a call into
   * the SDK (which hashes its attributes on every `add`). It exports exactly as a counter does.
   */
  readonly #transitionCounts = new Map<
    string,
    Map<string, Map<string, { attributes: Attributes; n: number }>>
  >();
  readonly #transitionTotals: { readonly attributes: Attributes; n: number }[] = [];
  readonly #pending: ObservableGauge;
  readonly #state: ObservableGauge;
  readonly #checkpointAge: ObservableGauge;
  readonly agents = new Set<AgentReadings>();

  constructor(meter: Meter) {
    this.#transitions = meter.createObservableCounter(TRANSITIONS.name, options(TRANSITIONS));
    this.failures = meter.createCounter(EMIT_FAILURES.name, options(EMIT_FAILURES));
    const msAdvice = { advice: { explicitBucketBoundaries: [...MS_BUCKETS] } };
    this.lag = meter.createHistogram(EMIT_LAG.name, { ...options(EMIT_LAG), ...msAdvice });
    this.append = meter.createHistogram(APPEND_DURATION.name, { ...options(APPEND_DURATION), ...msAdvice });
    this.#pending = meter.createObservableGauge(EMIT_PENDING.name, options(EMIT_PENDING));
    this.#state = meter.createObservableGauge(STATE.name, options(STATE));
    this.#checkpointAge = meter.createObservableGauge(CHECKPOINT_AGE.name, options(CHECKPOINT_AGE));
    meter.addBatchObservableCallback(
      (result) => this.#observe(result),
      [this.#transitions, this.#pending, this.#state, this.#checkpointAge],
    );
  }

  /** Counts one transition (see #transitionCounts). */
  countTransition(from: string, to: string, literal: string): void {
    let byTo = this.#transitionCounts.get(from);
    if (byTo === undefined) this.#transitionCounts.set(from, (byTo = new Map()));
    let byLiteral = byTo.get(to);
    if (byLiteral === undefined) byTo.set(to, (byLiteral = new Map()));
    let total = byLiteral.get(literal);
    if (total === undefined) {
      total = { attributes: Object.freeze({ from, to, literal }), n: 0 };
      byLiteral.set(literal, total);
      this.#transitionTotals.push(total);
    }
    total.n += 1;
  }

  #observe(result: BatchObservableResult): void {
    for (const total of this.#transitionTotals) result.observe(this.#transitions, total.n, total.attributes);
    if (this.agents.size === 0) return;
    const inState = new Map<PrimaryState, number>(PRIMARY_STATES.map((s) => [s, 0]));
    let pending = 0;
    let oldest: number | null = null;
    let summed = false;
    for (const agent of this.agents) {
      const workspace = agent.workspace();
      const state = agent.state();
      const age = agent.checkpointAgeS();
      if (workspace === null) {
        summed = true;
        inState.set(state, (inState.get(state) ?? 0) + 1);
        pending += agent.pending();
        if (age !== null) oldest = Math.max(oldest ?? 0, age);
        continue;
      }
      for (const s of PRIMARY_STATES) {
        result.observe(this.#state, s === state ? 1 : 0, { state: s, workspace });
      }
      result.observe(this.#pending, agent.pending(), { workspace });
      if (age !== null) result.observe(this.#checkpointAge, age, { workspace });
    }
    if (!summed) return;
    for (const [state, n] of inState) result.observe(this.#state, n, { state });
    result.observe(this.#pending, pending);
    if (oldest !== null) result.observe(this.#checkpointAge, oldest);
  }
}

const byMeter = new WeakMap<Meter, MeterInstruments>();

/** The instruments of `meter`, created on first use. */
export function instrumentsOf(meter: Meter): MeterInstruments {
  let found = byMeter.get(meter);
  if (found === undefined) {
    found = new MeterInstruments(meter);
    byMeter.set(meter, found);
  }
  return found;
}

/**
 * Attribute objects reused per distinct value: a transition or an append records with no allocation.
 * Keys are bounded (states, literals, store kinds, outcomes), so the cache is too.
 */
export class AttributeCache {
  readonly #cache = new Map<string, Attributes>();

  get(key: string, make: () => Attributes): Attributes {
    let attributes = this.#cache.get(key);
    if (attributes === undefined) {
      attributes = Object.freeze(make());
      this.#cache.set(key, attributes);
    }
    return attributes;
  }
}
