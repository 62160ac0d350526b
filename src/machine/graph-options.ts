import type { EventFromLogic, InputFrom, SnapshotFrom } from 'xstate';
import type { TraversalOptions } from 'xstate/graph';
import { operationalStateConfig } from './config.js';
import type { OperationalStateContext } from './context.js';
import type { OperationalStateMachine } from './machine.js';

/** A trigger no guard of the chart matches: it reaches the unguarded alternative of an event. */
const NEUTRAL_TRIGGER = 'graph traversal';

interface Alternative {
  readonly guard?: { readonly type: string; readonly params?: { readonly text?: string } } | string;
}

/** Per state, one event per guarded alternative: the guard's own text reaches it, a neutral one the rest. */
function literalTriggerEvents(): ReadonlyMap<string, readonly EventFromLogic<OperationalStateMachine>[]> {
  const byState = new Map<string, EventFromLogic<OperationalStateMachine>[]>();
  for (const [state, node] of Object.entries(operationalStateConfig.states)) {
    const events: EventFromLogic<OperationalStateMachine>[] = [];
    const seen = new Set<string>();
    const on = ('on' in node ? node.on : {}) as Record<string, Alternative | readonly Alternative[]>;
    for (const [type, value] of Object.entries(on)) {
      const alternatives: readonly Alternative[] = Array.isArray(value) ? value : [value as Alternative];
      for (const alternative of alternatives) {
        const guard = alternative.guard;
        const text = typeof guard === 'object' ? guard.params?.text : undefined;
        const event = { type, trigger: text ?? NEUTRAL_TRIGGER } as EventFromLogic<OperationalStateMachine>;
        const key = JSON.stringify(event);
        if (seen.has(key)) continue;
        seen.add(key);
        events.push(event);
      }
    }
    byState.set(state, events);
  }
  return byState;
}

const EVENTS = literalTriggerEvents();

/**
 * A graph vertex of the chart: the state value and the posture (claim permission, degradation reasons).
 * The context also holds the history and counters, which grow with every transition: serialized with
 * them (xstate/graph's default), every snapshot is a new vertex and traversal never ends.
 */
function serializeState(snapshot: SnapshotFrom<OperationalStateMachine>): string {
  const context = snapshot.context as Pick<OperationalStateContext, 'claimPermission' | 'degradationReasons'>;
  return JSON.stringify({
    value: snapshot.value,
    claimPermission: context.claimPermission,
    degradationReasons: context.degradationReasons,
  });
}

/**
 * Ready `xstate/graph` traversal options for `operationalStateMachine`:
 * `getShortestPaths(operationalStateMachine, opstateGraphOptions)` and `getSimplePaths(…)` finish in
 * milliseconds. States are vertices by value and posture; each state offers one event per guarded
 * alternative of its transitions, with a trigger that selects it (the guard's literal text, or a neutral
 * trigger for the unguarded one), so every literal-appending branch is an edge. Spread it to add your
 * own `fromState`, `toState` or `limit`.
 */
export const opstateGraphOptions: TraversalOptions<
  SnapshotFrom<OperationalStateMachine>,
  EventFromLogic<OperationalStateMachine>,
  InputFrom<OperationalStateMachine>
> = {
  serializeState,
  events: (snapshot: SnapshotFrom<OperationalStateMachine>) => [
    ...(EVENTS.get(String(snapshot.value)) ?? []),
  ],
};
