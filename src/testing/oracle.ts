import { transition, type SnapshotFrom } from 'xstate';
import { GENERIC_TRANSITION_EVENT, type ChainEventType } from '../domain/vocabulary.js';
import type { EmitRequest } from '../machine/emit-protocol.js';
import type { OperationalStateEvent } from '../machine/events.js';
import { operationalStateMachine } from '../machine/machine.js';

type MachineSnapshot = SnapshotFrom<typeof operationalStateMachine>;

export interface OracleStep {
  readonly next: MachineSnapshot;
  /** The chain event types the emit request of this step asks for, in order ([] if no transition). */
  readonly expectedEvents: readonly ChainEventType[];
  /** Which alternative of the event fired in the source state (-1 if none). */
  readonly branch: number;
}

/**
 * What the chart says one event does, computed with XState's pure `transition()`: no action runs and
 * the emit service is never executed; the expected chain events are read from the resolved `sendTo`
 * emit request itself.
 */
export function oracleStep(snapshot: MachineSnapshot, event: OperationalStateEvent): OracleStep {
  const chosen = operationalStateMachine.getTransitionData(snapshot, event)[0];
  const all = operationalStateMachine.root.states[String(snapshot.value)]?.transitions.get(event.type) ?? [];
  const branch = chosen === undefined ? -1 : all.indexOf(chosen);
  const [next, actions] = transition(operationalStateMachine, snapshot, event);
  const request = actions
    .filter((a) => a.type === 'xstate.sendTo')
    .map((a) => (a.params as unknown as { event?: EmitRequest } | undefined)?.event)
    .find((e): e is EmitRequest => e?.type === 'EMIT');
  const expectedEvents: ChainEventType[] =
    request === undefined
      ? []
      : request.transition.literal === null
        ? [GENERIC_TRANSITION_EVENT]
        : [GENERIC_TRANSITION_EVENT, request.transition.literal];
  return { next, expectedEvents, branch };
}
