import { z } from 'zod';
import { buildChartSchemas } from '../domain/chart-schemas.js';

/*
 * The chart's public zod schemas, built on the zod this module imports (the caller's own, when they share
 * one install). Only `opstate/chart` loads this module: the root entry checks its inputs without zod.
 */
const schemas = buildChartSchemas(z);

/**
 * The agent's primary operational state. The values are wire format: they appear verbatim in
 * chain-event payloads and must never change.
 */
export const PrimaryStateSchema = schemas.PrimaryStateSchema;
/** What the agent may claim. Orthogonal to the primary state. Wire format. */
export const ClaimPermissionSchema = schemas.ClaimPermissionSchema;
/** Why the agent is degraded. Wire format. */
export const DegradationReasonSchema = schemas.DegradationReasonSchema;
/**
 * A trigger: free text, but bounded, since it lands in every payload and in the history ring: a
 * non-empty, well-formed string without U+0000, of at most MAX_TRIGGER_BYTES UTF-8 bytes.
 */
export const TriggerSchema = schemas.TriggerSchema;
/**
 * The payload of every operational-state chain event. The generic event and its per-trigger literal carry
 * the identical object. Keys are snake_case because they are the original wire contract.
 */
export const TransitionPayloadSchema = schemas.TransitionPayloadSchema;
/** The operator-facing view of the state: what listeners, payloads and the inspector see. */
export const OperationalStateSnapshotSchema = schemas.OperationalStateSnapshotSchema;
/** Why a PAUSE happened; it picks the default trigger (and so whether the cost-limit literal fires). */
export const PauseCauseSchema = schemas.PauseCauseSchema;
/** One zod schema per row family of the §9.1 table, plus the same-state UPDATE_POSTURE. */
export const ChartEventSchema = schemas.ChartEventSchema;
/** A posture: claim permission and degradation reasons, as `snapshotIn` takes them. */
export const PostureSchema = schemas.PostureSchema;
