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

/** Sent back by the emit service when an append failed; counted in context. Not for callers. */
export interface EmitFailedEvent {
  readonly type: 'EMIT_FAILED';
  readonly eventType: string;
  readonly message: string;
}

export type MachineEvent = OperationalStateEvent | EmitFailedEvent;

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
  if (event.type === 'EMIT_FAILED') return '';
  if (typeof event.trigger === 'string') return event.trigger;
  if (event.type === 'PAUSE')
    return PAUSE_TRIGGER_BY_CAUSE[event.cause ?? 'operator'] ?? PAUSE_TRIGGER_BY_CAUSE.operator;
  return DEFAULT_TRIGGER[event.type] ?? '';
}
