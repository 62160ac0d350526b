import type { z } from 'zod';
import type { TransitionPayloadSchema } from '../machine/schemas.js';
import type { OperationalStateSnapshot } from './snapshot.js';
import type { ClaimPermission, DegradationReason, PrimaryState } from './vocabulary.js';

/**
 * The payload of every operational-state chain event. The generic event and its per-trigger literal carry
 * the identical object. Keys are snake_case because they are the original wire contract.
 */
export type TransitionPayload = z.infer<typeof TransitionPayloadSchema>;

/** The chain-event payload for a transition: the *new* posture, the trigger verbatim. */
export function buildPayload(
  from: OperationalStateSnapshot,
  to: OperationalStateSnapshot,
  trigger: string,
): TransitionPayload {
  return transitionPayload(
    from.primaryState,
    to.primaryState,
    to.claimPermission,
    [...to.degradationReasons].sort(),
    trigger,
  );
}

/**
 * The payload from its parts, `degradationReasons` already sorted. Its keys are in code-unit order, as
 * the canonical text has them: the store then writes that text in one native call.
 */
export function transitionPayload(
  from: PrimaryState,
  to: PrimaryState,
  claimPermission: ClaimPermission,
  degradationReasons: DegradationReason[],
  trigger: string,
): TransitionPayload {
  return {
    claim_permission: claimPermission,
    degradation_reasons: degradationReasons,
    from_primary_state: from,
    to_primary_state: to,
    trigger,
  };
}
