import type { z } from 'zod';
import type { ChartEventSchema, PauseCauseSchema } from './schemas.js';
import { PAUSE_TRIGGER_BY_CAUSE, POSTURE_UPDATE_TRIGGER, TRIGGER } from './wording.js';

/** Why a PAUSE happened; it picks the default trigger (and so whether the cost-limit literal fires). */
export type PauseCause = z.infer<typeof PauseCauseSchema>;

/** A chart event: one per row family of the §9.1 table, plus the same-state UPDATE_POSTURE. */
export type OperationalStateEvent = z.infer<typeof ChartEventSchema>;
export type OperationalStateEventType = OperationalStateEvent['type'];
/** Every chart event type, in ChartEventSchema's order. */
export const CHART_EVENT_TYPES: OperationalStateEventType[] = [
  'GATES_PASSED',
  'GATE_RETRY',
  'BOOT_FAILED',
  'EPOCH_MISMATCH',
  'CLAIM_ACQUIRED',
  'CLAIM_RELEASED',
  'PAUSE',
  'CREDIT_REFRESHED',
  'OPERATOR_RESET',
  'STOP',
  'UPDATE_POSTURE',
];

export type { EmitFailedEvent } from './emit-protocol.js';

/**
 * What the chart accepts: a chart event, optionally stamped with the time it happened (ISO 8601). The
 * chart never reads a clock: `createOperationalState` stamps every event it sends, and an unstamped one
 * (from a test tool, or XState's pure `transition()`) is recorded at UNSTAMPED_AT, so the same events
 * always give the same snapshot. The emit service's failure reports are not in this union.
 */
export type MachineEvent = OperationalStateEvent & { readonly at?: string };

/** The `at` of history entries committed by an unstamped event. */
export const UNSTAMPED_AT = '1970-01-01T00:00:00.000Z';

const DEFAULT_TRIGGER: Record<Exclude<OperationalStateEventType, 'PAUSE'>, string> = {
  GATES_PASSED: TRIGGER.gatesPassed,
  GATE_RETRY: TRIGGER.gateRetry,
  BOOT_FAILED: TRIGGER.bootFailed,
  EPOCH_MISMATCH: TRIGGER.epochMismatch,
  CLAIM_ACQUIRED: TRIGGER.claimAcquired,
  CLAIM_RELEASED: TRIGGER.claimReleased,
  CREDIT_REFRESHED: TRIGGER.creditRefreshed,
  OPERATOR_RESET: TRIGGER.operatorReset,
  STOP: TRIGGER.stop,
  UPDATE_POSTURE: POSTURE_UPDATE_TRIGGER,
};

/**
 * The trigger an event stands for: its own, or its row's wording. Total on purpose: guards call it, and a
 * guard that throws would put the actor into XState's error status.
 */
export function triggerOf(event: MachineEvent): string {
  if (typeof event.trigger === 'string') return event.trigger;
  if (event.type === 'PAUSE')
    return PAUSE_TRIGGER_BY_CAUSE[event.cause ?? 'operator'] ?? PAUSE_TRIGGER_BY_CAUSE.operator;
  return DEFAULT_TRIGGER[event.type] ?? '';
}
