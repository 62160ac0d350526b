import { assign, type EventFromLogic, type InputFrom, setup, type SnapshotFrom } from 'xstate';
import { TestModel, type TestPath } from 'xstate/graph';
import { type CommitParams, commitTransition } from '../machine/actions.js';
import { operationalStateConfig } from '../machine/config.js';
import { initialContext, type OperationalStateContext } from '../machine/context.js';
import type { MachineEvent } from '../machine/events.js';
import { triggerContains } from '../machine/guards.js';
import { describePath } from './describe-path.js';
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
 * branch is reachable), and states are vertices by value and posture, so traversal ends. Each path's
 * `description` is short and readable (`booting → ready (all §9.2 gates pass) → paused (PAUSE: cost 100%)`): use it as the
 * test's name.
 */
export function createOperationalStateTestModel(): TestModel<ModelSnapshot, ModelEvent, ModelInput> {
  const { events } = traversalOptions(chartVocabulary());
  return new OperationalStateTestModel(operationalStateTestMachine, {
    events: (snapshot) => events(snapshot as never),
    serializeState: (snapshot) => serializeChartState(snapshot),
  });
}

type ModelSnapshot = SnapshotFrom<typeof operationalStateTestMachine>;
type ModelEvent = EventFromLogic<typeof operationalStateTestMachine>;
type ModelInput = InputFrom<typeof operationalStateTestMachine>;
type ModelPath = TestPath<ModelSnapshot, ModelEvent>;

/** Every path it returns is named by `describePath`: short and readable, usable as a test name. */
class OperationalStateTestModel extends TestModel<ModelSnapshot, ModelEvent, ModelInput> {
  private static named(paths: ModelPath[]): ModelPath[] {
    return paths.map((p) => Object.assign(p, { description: describePath(p.steps) }));
  }

  override getPaths(...args: Parameters<TestModel<ModelSnapshot, ModelEvent, ModelInput>['getPaths']>) {
    return OperationalStateTestModel.named(super.getPaths(...args));
  }

  override getShortestPathsFrom(
    ...args: Parameters<TestModel<ModelSnapshot, ModelEvent, ModelInput>['getShortestPathsFrom']>
  ) {
    return OperationalStateTestModel.named(super.getShortestPathsFrom(...args));
  }

  override getSimplePathsFrom(
    ...args: Parameters<TestModel<ModelSnapshot, ModelEvent, ModelInput>['getSimplePathsFrom']>
  ) {
    return OperationalStateTestModel.named(super.getSimplePathsFrom(...args));
  }

  override getPathsFromEvents(
    ...args: Parameters<TestModel<ModelSnapshot, ModelEvent, ModelInput>['getPathsFromEvents']>
  ) {
    return OperationalStateTestModel.named(super.getPathsFromEvents(...args));
  }
}
