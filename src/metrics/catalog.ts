/*
 * What opstate records, in one place: the instruments are created from this list and docs/metrics.md's
 * table is checked against it and against what an in-memory exporter collects.
 */

/** The kind of an OpenTelemetry instrument, as the metrics page names it. */
export type InstrumentKind = 'counter' | 'histogram' | 'observable gauge';

/** One instrument the runtime records. */
export interface MetricDescription {
  readonly name: string;
  readonly kind: InstrumentKind;
  /** UCUM unit, or a count annotation in braces. */
  readonly unit: string;
  readonly description: string;
  /** Attribute keys a data point may carry (bounded values only; `workspace` is opt-in). */
  readonly attributes: readonly string[];
}

/** The meter's name: the package's. */
export const METER_NAME = 'opstate';

/**
 * Millisecond boundaries for appends and emit lag: an in-memory append takes well under a millisecond,
 * a local SQLite one about one, a PostgreSQL round trip a few; lag during an outage reaches seconds.
 * The SDK's default boundaries (0, 5, 10, 25, …) would put every healthy append in one bucket.
 */
export const MS_BUCKETS: readonly number[] = [
  0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000,
];

export const TRANSITIONS: MetricDescription = {
  name: 'opstate.transitions',
  kind: 'counter',
  unit: '{transition}',
  description: 'Committed transitions (posture updates in place included), by edge and per-trigger literal',
  attributes: ['from', 'to', 'literal'],
};

export const EMIT_FAILURES: MetricDescription = {
  name: 'opstate.emit.failures',
  kind: 'counter',
  unit: '{attempt}',
  description: 'Failed append attempts (each is retried unless the store refused the events themselves)',
  attributes: ['store'],
};

export const EMIT_LAG: MetricDescription = {
  name: 'opstate.emit.lag',
  kind: 'histogram',
  unit: 'ms',
  description: 'Time from a transition being committed to its events landing in the chain',
  attributes: ['store'],
};

export const APPEND_DURATION: MetricDescription = {
  name: 'opstate.append.duration',
  kind: 'histogram',
  unit: 'ms',
  description: 'Duration of one store append call (a batch of transitions), by store and outcome',
  attributes: ['store', 'outcome'],
};

export const EMIT_PENDING: MetricDescription = {
  name: 'opstate.emit.pending',
  kind: 'observable gauge',
  unit: '{transition}',
  description: 'Transitions committed but not yet landed in the chain (queued or being appended)',
  attributes: ['workspace'],
};

export const STATE: MetricDescription = {
  name: 'opstate.state',
  kind: 'observable gauge',
  unit: '1',
  description:
    'Agents in each primary state: 1 for the current state and 0 for the others per agent, summed over the agents of one meter',
  attributes: ['state', 'workspace'],
};

export const CHECKPOINT_AGE: MetricDescription = {
  name: 'opstate.checkpoint.age',
  kind: 'observable gauge',
  unit: 's',
  description:
    'Seconds since the last signed checkpoint (since the start before the first one); the oldest over the agents of one meter. Only with checkpoints on',
  attributes: ['workspace'],
};

/** Every instrument, in the order the metrics page lists them. */
export const RUNTIME_METRICS: readonly MetricDescription[] = [
  TRANSITIONS,
  EMIT_FAILURES,
  EMIT_LAG,
  APPEND_DURATION,
  EMIT_PENDING,
  STATE,
  CHECKPOINT_AGE,
];

/** `store` attribute values: the engine behind an append. `none` while a provider has no connection. */
export type StoreKindLabel = 'memory' | 'sqlite' | 'postgres' | 'custom' | 'none';

/** `outcome` attribute values of `opstate.append.duration`. */
export type AppendOutcome = 'ok' | 'error' | 'refused';

/** The `literal` attribute when a transition appended no per-trigger literal. */
export const NO_LITERAL = 'none';
