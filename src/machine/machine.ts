import { assign, createMachine, sendTo, setup } from 'xstate';
import { GENERIC_TRANSITION_EVENT } from '../domain/vocabulary.js';
import { type CommitParams, commitTransition } from './actions.js';
import { operationalStateConfig, type OperationalStateTag } from './config.js';
import { initialContext, type OperationalStateContext, type OperationalStateInput } from './context.js';
import {
  type EmitFailedEvent,
  emitFailedEvent,
  type EmitRequest,
  EMITTER_ID,
  isEmitFailedEvent,
} from './emit-protocol.js';
import type { MachineEvent } from './events.js';
import { triggerContains } from './guards.js';
import { countEnded, emitterRunning, isEmitFailureReport, missingEmitService } from './implementations.js';

export {
  operationalStateConfig,
  type OperationalStateConfig,
  type OperationalStateTag,
  type TransitionRowMeta,
} from './config.js';

/**
 * The operational state of one agent process (R4.1 §9.1): `operationalStateConfig` (the chart as data)
 * with its implementations. See the config for the chart itself.
 */
export const operationalStateMachine = setup({
  types: {
    context: {} as OperationalStateContext,
    events: {} as MachineEvent,
    // `| void` keeps input optional for createActor (inference drops a plain `| undefined`).
    // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- see above
    input: {} as OperationalStateInput | void,
    tags: {} as OperationalStateTag,
  },
  actors: {
    emitService: missingEmitService,
  },
  guards: {
    triggerContains,
    isEmitFailureReport,
  },
  actions: {
    commitTransition: assign(({ context, event }, params: CommitParams) =>
      commitTransition(context, event, params),
    ),
    // Reads the context *after* commitTransition: actions resolve in order within a transition. Once the
    // emit service is down, the request becomes a failure report to the chart itself, counted like the
    // service's own (a plain sendTo either way: enqueueActions costs 3× the whole transition).
    requestEmit: sendTo(
      ({ context, self }) => (context.emitServiceDown === null && emitterRunning(self) ? EMITTER_ID : self),
      // Typed as a chart event only because the target may be `self`; neither is one, on purpose.
      ({ context, self }) => emitRequestOrReport(context, emitterRunning(self)) as unknown as MachineEvent,
    ),
    recordEmitFailure: assign(({ context, event }) => {
      const report: unknown = event;
      return isEmitFailedEvent(report)
        ? {
            emitFailures: context.emitFailures + 1,
            lastEmitFailure: {
              eventType: report.eventType,
              message: report.message,
              transition: report.transition ?? context.lastTransition?.n ?? null,
            },
          }
        : {};
    }),
    // A forged `xstate.*.actor.emitter` (the service still running) or a repeat changes nothing.
    recordEmitServiceDown: assign(({ context, event, self }) =>
      context.emitServiceDown !== null || emitterRunning(self)
        ? {}
        : countEnded(context, event as unknown as { type: string; error?: unknown }),
    ),
  },
}).createMachine({
  ...operationalStateConfig,
  context: ({ input }) => initialContext(input ?? undefined),
});

export type OperationalStateMachine = typeof operationalStateMachine;

function emitRequestOrReport(
  context: OperationalStateContext,
  running: boolean,
): EmitRequest | EmitFailedEvent {
  const t = context.lastTransition;
  if (t === null) throw new Error('unreachable: requestEmit before commitTransition');
  if (context.emitServiceDown === null && running) return { type: 'EMIT', transition: t };
  return emitFailedEvent(
    GENERIC_TRANSITION_EVENT,
    `${context.emitServiceDown ?? 'emit service is not running'}; transition #${t.n} was not appended`,
    t.n,
  );
}

/**
 * The guards, actions and default emit service the config names by string, as `provide()` takes them:
 * `createMachine(operationalStateConfig).provide(operationalStateImplementations)` is the chart again.
 */
export const operationalStateImplementations: PlainMachineImplementations =
  // The same functions; only their declared event type widens to what a config-only machine declares.
  operationalStateMachine.implementations as unknown as PlainMachineImplementations;

/** Never called: it names the type of `createMachine(operationalStateConfig)` for the export above. */
function _plainMachine() {
  return createMachine(operationalStateConfig);
}
/** What `createMachine(operationalStateConfig).provide()` takes: the chart's guards, actions and actors. */
export type PlainMachineImplementations = Parameters<ReturnType<typeof _plainMachine>['provide']>[0];
