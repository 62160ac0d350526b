import { z } from 'zod';
import { TriggerSchema } from '../domain/trigger.js';
import { ClaimPermissionSchema, DegradationReasonSchema } from '../domain/vocabulary.js';
import { PAUSE_TRIGGER_BY_CAUSE, POSTURE_UPDATE_TRIGGER, TRIGGER } from './wording.js';

/** Posture changes any event may carry; applied in this order: claim permission, add, then remove. */
const postureFields = {
  /** Free text, verbatim into the payload; defaults to the table's wording for the event. */
  trigger: TriggerSchema.optional(),
  claimPermission: ClaimPermissionSchema.optional(),
  addReasons: z.array(DegradationReasonSchema).max(64).optional(),
  removeReasons: z.array(DegradationReasonSchema).max(64).optional(),
};

const event = <T extends string>(type: T) => z.object({ type: z.literal(type), ...postureFields }).strict();

/** Why a PAUSE happened; it picks the default trigger (and so whether the cost-limit literal fires). */
export const PauseCauseSchema = z.enum(['cost_limit', 'stop_kora', 'operator']);
export type PauseCause = z.infer<typeof PauseCauseSchema>;

/** One zod schema per row family of the §9.1 table, plus the same-state UPDATE_POSTURE. */
export const ChartEventSchema = z.discriminatedUnion('type', [
  event('GATES_PASSED'),
  event('GATE_RETRY'),
  event('BOOT_FAILED'),
  event('EPOCH_MISMATCH'),
  event('CLAIM_ACQUIRED'),
  event('CLAIM_RELEASED'),
  z.object({ type: z.literal('PAUSE'), cause: PauseCauseSchema.optional(), ...postureFields }).strict(),
  event('CREDIT_REFRESHED'),
  event('OPERATOR_RESET'),
  event('STOP'),
  event('UPDATE_POSTURE'),
]);
export type OperationalStateEvent = z.infer<typeof ChartEventSchema>;
export type OperationalStateEventType = OperationalStateEvent['type'];
export const CHART_EVENT_TYPES = ChartEventSchema.options.map((o) => o.shape.type.value);

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
