import type { Zod } from '../util/zod-on-demand.js';
import { LONE_SURROGATE, MAX_TRIGGER_BYTES, utf8Length } from './trigger.js';
import {
  CLAIM_PERMISSIONS,
  type ClaimPermission,
  DEGRADATION_REASONS,
  type DegradationReason,
  PRIMARY_STATES,
  type PrimaryState,
} from './vocabulary.js';

/** The most reasons one posture change may name. */
export const MAX_POSTURE_REASONS = 64;

/**
 * The zod schemas of the chart's inputs and payloads, built on the `z` given: `opstate/chart` builds
 * them on the zod it imports, the runtime's checks on the zod it loads when an input fails its written
 * checks (see util/zod-on-demand.ts). One definition, so both word a bad value identically.
 */
export function buildChartSchemas(z: Zod) {
  const PrimaryStateSchema = z.enum(PRIMARY_STATES as [PrimaryState, ...PrimaryState[]]);
  const ClaimPermissionSchema = z.enum(CLAIM_PERMISSIONS as [ClaimPermission, ...ClaimPermission[]]);
  const DegradationReasonSchema = z.enum(DEGRADATION_REASONS as [DegradationReason, ...DegradationReason[]]);
  const TriggerSchema = z
    .string({ error: 'trigger must be a string' })
    .min(1, { error: 'trigger must not be empty' })
    .refine((s) => !LONE_SURROGATE.test(s), {
      error:
        'trigger contains a lone surrogate (not valid Unicode), which cannot be hashed as canonical JSON',
    })
    .refine((s) => !s.includes('\u0000'), { error: 'trigger contains U+0000, which PostgreSQL cannot store' })
    .refine((s) => s.length * 3 <= MAX_TRIGGER_BYTES || utf8Length(s) <= MAX_TRIGGER_BYTES, {
      error: (issue) =>
        `trigger is ${utf8Length(String(issue.input))} UTF-8 bytes; the limit is ${MAX_TRIGGER_BYTES}`,
    });
  const TransitionPayloadSchema = z
    .object({
      from_primary_state: PrimaryStateSchema,
      to_primary_state: PrimaryStateSchema,
      /** The claim permission after the transition. */
      claim_permission: ClaimPermissionSchema,
      /** The reasons after the transition, sorted A→Z. */
      degradation_reasons: z.array(DegradationReasonSchema),
      /** The caller's trigger, verbatim. */
      trigger: z.string(),
    })
    .strict();
  const OperationalStateSnapshotSchema = z
    .object({
      primaryState: PrimaryStateSchema,
      claimPermission: ClaimPermissionSchema,
      /** Sorted A→Z: the cockpit diffs payloads, so order must be stable. */
      degradationReasons: z.array(DegradationReasonSchema),
      isDegraded: z.boolean(),
    })
    .strict();
  /** Posture changes any event may carry; applied in this order: claim permission, add, then remove. */
  const postureFields = {
    /** Free text, verbatim into the payload; defaults to the table's wording for the event. */
    trigger: TriggerSchema.optional(),
    claimPermission: ClaimPermissionSchema.optional(),
    addReasons: z.array(DegradationReasonSchema).max(MAX_POSTURE_REASONS).optional(),
    removeReasons: z.array(DegradationReasonSchema).max(MAX_POSTURE_REASONS).optional(),
  };
  const event = <T extends string>(type: T) => z.object({ type: z.literal(type), ...postureFields }).strict();
  const PauseCauseSchema = z.enum(['cost_limit', 'stop_kora', 'operator']);
  const ChartEventSchema = z.discriminatedUnion('type', [
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
  const PostureSchema = z
    .object({
      claimPermission: ClaimPermissionSchema.optional(),
      degradationReasons: z.array(DegradationReasonSchema).max(MAX_POSTURE_REASONS).optional(),
    })
    .strict();
  return {
    PrimaryStateSchema,
    ClaimPermissionSchema,
    DegradationReasonSchema,
    TriggerSchema,
    TransitionPayloadSchema,
    OperationalStateSnapshotSchema,
    PauseCauseSchema,
    ChartEventSchema,
    PostureSchema,
  };
}

/** The chart's schemas, as buildChartSchemas makes them. */
export type ChartSchemas = ReturnType<typeof buildChartSchemas>;
