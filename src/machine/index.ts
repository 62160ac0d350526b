/**
 * `opstate/chart`: the chart's data beyond what `opstate` exports: zod schemas of every input and
 * payload, the literal constants and trigger wording, the machine's context types, and row lookups.
 */
export {
  BOOT_FAILED_EVENT,
  BOOT_READY_EVENT,
  GENERIC_TRANSITION_EVENT,
  PAUSED_COST_LIMIT_EVENT,
  type TriggerLiteral,
} from '../domain/vocabulary.js';
export { MAX_TRIGGER_BYTES } from '../domain/trigger.js';
export type { TransitionPayload } from '../domain/payload.js';
export type { PauseCause } from './events.js';
export type { SnapshotInPosture } from './pure.js';
export {
  ChartEventSchema,
  ClaimPermissionSchema,
  DegradationReasonSchema,
  OperationalStateSnapshotSchema,
  PauseCauseSchema,
  PostureSchema,
  PrimaryStateSchema,
  TransitionPayloadSchema,
  TriggerSchema,
} from './schemas.js';
export type { PlainMachineImplementations } from './machine.js';
export type { CommitParams } from './actions.js';
export type { OperationalStateTag, TransitionRowMeta } from './config.js';
export type {
  CommittedTransition,
  EmitFailure,
  HistoryEntry,
  OperationalStateContext,
  OperationalStateInput,
} from './context.js';
export type { EmitRequest } from './emit-protocol.js';
export {
  eventForPair,
  isValidTransition,
  TRANSITION_TABLE,
  type TransitionRow,
  transitionsFrom,
  transitionsTo,
} from './table.js';
export { LITERAL_TRIGGER_TEXT, PAUSE_TRIGGER_BY_CAUSE, TRIGGER } from './wording.js';
