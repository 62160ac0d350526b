import { initialTransition, type SnapshotFrom, transition } from 'xstate';
import type { z } from 'zod';
import { chartSchemas } from '../domain/chart-schemas-on-demand.js';
import { type OperationalStateSnapshot, sortReasons } from '../domain/snapshot.js';
import {
  isPrimaryState,
  PRIMARY_STATES,
  type PrimaryState,
  type TriggerLiteral,
} from '../domain/vocabulary.js';
import { OperationalStateInputError } from '../errors.js';
import { inputErrorFrom } from './parse.js';
import { initialContext, type OperationalStateContext } from './context.js';
import type { OperationalStateEvent } from './events.js';
import { operationalStateMachine } from './machine.js';
import type { PostureSchema } from './schemas.js';
import { eventForPair } from './table.js';

type MachineSnapshot = SnapshotFrom<typeof operationalStateMachine>;

/**
 * A pure machine snapshot sitting in `state` with `context`. Built on the initial snapshot so the emit
 * service's child reference exists: XState's pure `transition()` resolves `sendTo` targets.
 */
export function machineSnapshotIn(
  state: PrimaryState,
  context?: Partial<OperationalStateContext>,
): MachineSnapshot {
  const [initial] = initialTransition(operationalStateMachine, {});
  const resolved = operationalStateMachine.resolveState({
    value: state,
    context: { ...initialContext(undefined), ...context },
  });
  return { ...resolved, children: initial.children } as MachineSnapshot;
}

/** The posture a `snapshotIn` snapshot starts with (default: claim permission `none`, no reasons). */
export type SnapshotInPosture = z.input<typeof PostureSchema>;

/**
 * A snapshot of `operationalStateMachine` sitting in `state` with the given posture, for XState's own
 * tools: `transition()`, `getNextSnapshot()`, and `xstate/graph` traversal (`fromState`) accept it.
 * Unlike `machine.resolveState({ value })`, it carries the invoked emit service's reference, so the
 * chart's emit requests resolve. Bad input throws OperationalStateInputError naming the value.
 */
export function snapshotIn(state: PrimaryState, posture: SnapshotInPosture = {}): MachineSnapshot {
  if (!isPrimaryState(state)) {
    throw new OperationalStateInputError('state', state, `expected one of ${PRIMARY_STATES.join(', ')}`);
  }
  const parsed = chartSchemas().PostureSchema.safeParse(posture);
  if (!parsed.success) throw inputErrorFrom(parsed.error, posture, 'posture');
  return machineSnapshotIn(state, {
    ...(parsed.data.claimPermission !== undefined ? { claimPermission: parsed.data.claimPermission } : {}),
    ...(parsed.data.degradationReasons !== undefined
      ? { degradationReasons: sortReasons(parsed.data.degradationReasons) }
      : {}),
  });
}

/** Runs one event through the chart without executing anything: XState's pure `transition()`. */
export function pureTransition(snapshot: MachineSnapshot, event: OperationalStateEvent): MachineSnapshot {
  const [next] = transition(operationalStateMachine, snapshot, event);
  return next;
}

/**
 * The per-trigger literal for (from, to, trigger), answered by the chart's own guards: the transition is
 * run purely and the literal its guarded alternative committed is read back. Null when no literal
 * applies, and for pairs the chart has no transition for.
 */
export function selectExtraLiteral(
  from: OperationalStateSnapshot | PrimaryState,
  to: OperationalStateSnapshot | PrimaryState,
  trigger: string,
): TriggerLiteral | null {
  const f = typeof from === 'string' ? from : from.primaryState;
  const t = typeof to === 'string' ? to : to.primaryState;
  const eventType = eventForPair(f, t);
  if (eventType === null) return null;
  const before = machineSnapshotIn(f);
  const after = pureTransition(before, { type: eventType, trigger } as OperationalStateEvent);
  const committed = after.context.lastTransition;
  if (committed === null || committed.n === before.context.transitionCount) return null;
  return committed.literal;
}
