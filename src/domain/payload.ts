import { z } from 'zod';
import type { OperationalStateSnapshot } from './snapshot.js';
import { ClaimPermissionSchema, DegradationReasonSchema, PrimaryStateSchema } from './vocabulary.js';

/**
 * The payload of every operational-state chain event. The generic event and its per-trigger literal carry
 * the identical object. Keys are snake_case because they are the original wire contract.
 */
export const TransitionPayloadSchema = z
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
export type TransitionPayload = z.infer<typeof TransitionPayloadSchema>;

/** The chain-event payload for a transition: the *new* posture, the trigger verbatim. */
export function buildPayload(
  from: OperationalStateSnapshot,
  to: OperationalStateSnapshot,
  trigger: string,
): TransitionPayload {
  return {
    from_primary_state: from.primaryState,
    to_primary_state: to.primaryState,
    claim_permission: to.claimPermission,
    degradation_reasons: [...to.degradationReasons].sort(),
    trigger,
  };
}
