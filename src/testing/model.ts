import { assign, setup } from 'xstate';
import { createTestModel } from 'xstate/graph';
import { type CommitParams, commitTransition } from '../machine/actions.js';
import { operationalStateConfig } from '../machine/config.js';
import { initialContext, type OperationalStateContext } from '../machine/context.js';
import type { MachineEvent } from '../machine/events.js';
import { triggerContains } from '../machine/guards.js';
import { serializeChartState, traversalOptions } from './paths.js';
import { chartVocabulary } from './vocabulary.js';

// The chart minus what xstate/graph cannot model: the invoked emit service (and with it the emit
// requests and the failure reports it sends back). Every state, transition, guard and commit is kept.
const { invoke: _invoke, on: _reports, ...chart } = operationalStateConfig;

/** The chart as xstate/graph's test models take it: no invoked actors. Same states, guards, commits. */
export const operationalStateTestMachine = setup({
  types: {
    context: {} as OperationalStateContext,
    events: {} as MachineEvent,
  },
  guards: { triggerContains },
  actions: {
    commitTransition: assign(({ context, event }, params: CommitParams) =>
      commitTransition(context, event, params),
    ),
    // The emit service is not part of the model; what it would be asked to append is in
    // `context.lastTransition` (with the literal the guard chose).
    requestEmit: () => {},
  },
}).createMachine({ ...chart, context: initialContext(undefined) });

/**
 * A ready xstate/graph `TestModel` of the chart, for xstate's own model-based testing: its
 * `getShortestPaths()` / `getSimplePaths()` give paths whose `path.test({ events, states })` drives your
 * system. Each state offers one event per guarded alternative (triggers chosen so every literal-guarded
 * branch is reachable), and states are vertices by value and posture, so traversal ends.
 */
export function createOperationalStateTestModel() {
  const { events } = traversalOptions(chartVocabulary());
  return createTestModel(operationalStateTestMachine, {
    events: (snapshot) => events(snapshot as never),
    serializeState: (snapshot) => serializeChartState(snapshot),
  });
}
