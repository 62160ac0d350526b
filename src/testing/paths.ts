import { initialTransition, type SnapshotFrom } from 'xstate';
import { getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import type { ChainEventType, PrimaryState } from '../domain/vocabulary.js';
import { OperationalStateInputError } from '../errors.js';
import type { OperationalStateContext } from '../machine/context.js';
import { CHART_EVENT_TYPES, type OperationalStateEvent } from '../machine/events.js';
import { operationalStateMachine } from '../machine/machine.js';
import { oracleStep } from './oracle.js';
import { triggerSamples } from './samples.js';
import { describePath } from './describe-path.js';
import { chartVocabulary, type VocabularyRow } from './vocabulary.js';

type MachineSnapshot = SnapshotFrom<typeof operationalStateMachine>;

export interface TestPathStep {
  readonly from: PrimaryState;
  /** A typed chart event, with the trigger that selects the intended alternative. */
  readonly event: OperationalStateEvent;
  readonly to: PrimaryState;
  /** The chain event types this step must append, in order (from the pure-transition oracle). */
  readonly expectedEvents: readonly ChainEventType[];
  /** The alternative of `event` that fires in `from` (index into the state's transitions for it). */
  readonly branch: number;
}

export interface TestPath {
  readonly description: string;
  readonly steps: readonly TestPathStep[];
}

export interface GenerateTestPathsOptions {
  /**
   * `states`: one shortest path to every state. `transitions` (default): one path ending in every edge
   * of the adjacency map, both guarded alternatives into the same state included.
   */
  readonly coverage?: 'states' | 'transitions';
  /** Drop paths with more steps than this. */
  readonly maxDepth?: number;
}

/** One event per vocabulary row: the trigger that reaches exactly that alternative. */
function eventFor(row: VocabularyRow): OperationalStateEvent {
  const samples = triggerSamples(row);
  const trigger = samples.positive[0] ?? samples.neutral;
  return { type: row.eventType, trigger } as OperationalStateEvent;
}

/** The chart's traversal inputs: one event per alternative, and states keyed by value and posture. */
export function traversalOptions(vocabulary: readonly VocabularyRow[]) {
  const bySource = new Map<string, OperationalStateEvent[]>();
  for (const row of vocabulary) {
    const list = bySource.get(row.source) ?? [];
    list.push(eventFor(row));
    bySource.set(row.source, list);
  }
  return {
    events: (snapshot: MachineSnapshot) => bySource.get(String(snapshot.value)) ?? [],
    // Only chart events: not the emit service's EMIT_FAILED report or XState's actor lifecycle events.
    filterEvents: (_snapshot: MachineSnapshot, event: { type: string }) =>
      (CHART_EVENT_TYPES as readonly string[]).includes(event.type),
    serializeState: serializeChartState,
    limit: 10_000,
  };
}

/**
 * A chart state as a graph vertex: value and posture only. Bounds the graph by the finite control fields;
 * history and counters grow without bound (with them, traversal never ends).
 */
export function serializeChartState(snapshot: {
  readonly value: unknown;
  readonly context: Pick<OperationalStateContext, 'claimPermission' | 'degradationReasons'>;
}): string {
  return JSON.stringify({
    value: snapshot.value,
    claimPermission: snapshot.context.claimPermission,
    degradationReasons: snapshot.context.degradationReasons,
  });
}

function buildPath(events: readonly OperationalStateEvent[]): TestPathStep[] {
  let snapshot = initialTransition(operationalStateMachine, {})[0];
  return events.map((event) => {
    const { next, expectedEvents, branch } = oracleStep(snapshot, event);
    const step: TestPathStep = {
      from: snapshot.value as PrimaryState,
      event,
      to: next.value as PrimaryState,
      expectedEvents,
      branch,
    };
    snapshot = next;
    return step;
  });
}

/** The path's name: `describePath` over its states, from the initial one. */
function describeSteps(steps: readonly TestPathStep[]): string {
  const first = steps[0];
  if (first === undefined) return 'booting (initial state)';
  return describePath([
    { event: { type: 'xstate.init' }, state: { value: first.from } },
    ...steps.map((s) => ({ event: s.event, state: { value: s.to } })),
  ]);
}

/**
 * Test paths generated from the chart with `xstate/graph`, as plain data. Each step carries the typed
 * event, its trigger and the chain events the chart's pure transition says it must append.
 */
export function generateTestPaths(options: GenerateTestPathsOptions = {}): TestPath[] {
  const coverage = options.coverage ?? 'transitions';
  if (coverage !== 'states' && coverage !== 'transitions') {
    throw new OperationalStateInputError('coverage', coverage, "expected 'states' or 'transitions'");
  }
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
  if (!(maxDepth === Number.POSITIVE_INFINITY || (Number.isInteger(maxDepth) && maxDepth >= 0))) {
    throw new OperationalStateInputError('maxDepth', maxDepth, 'expected a non-negative integer');
  }
  const vocabulary = chartVocabulary();
  const traversal = traversalOptions(vocabulary);
  const shortest = getShortestPaths(operationalStateMachine, traversal);
  const eventsTo = new Map<string, OperationalStateEvent[]>();
  for (const p of shortest) {
    const events = p.steps
      .map((s) => s.event as { type: string })
      .filter((e): e is OperationalStateEvent => (CHART_EVENT_TYPES as readonly string[]).includes(e.type));
    eventsTo.set(traversal.serializeState(p.state), events);
  }

  const paths: TestPath[] = [];
  if (coverage === 'states') {
    for (const p of shortest) {
      const steps = buildPath(eventsTo.get(traversal.serializeState(p.state)) ?? []);
      paths.push({ description: describeSteps(steps), steps });
    }
  } else {
    const adjacency = getAdjacencyMap(operationalStateMachine, traversal);
    for (const [vertex, { transitions }] of Object.entries(adjacency)) {
      const prefix = eventsTo.get(vertex);
      if (prefix === undefined) continue; // unreachable vertex: nothing to test from
      for (const edge of Object.values(transitions) as { event: OperationalStateEvent }[]) {
        const steps = buildPath([...prefix, edge.event]);
        if (steps.length === 0) continue;
        paths.push({ description: describeSteps(steps), steps });
      }
    }
  }
  return dedupeDescriptions(paths.filter((p) => p.steps.length <= maxDepth));
}

function dedupeDescriptions(paths: TestPath[]): TestPath[] {
  const seen = new Map<string, number>();
  return paths.map((p) => {
    const n = (seen.get(p.description) ?? 0) + 1;
    seen.set(p.description, n);
    return n === 1 ? p : { ...p, description: `${p.description} #${n}` };
  });
}
