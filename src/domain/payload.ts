import type { z } from 'zod';
import type { TransitionPayloadSchema } from '../machine/schemas.js';
import type { OperationalStateSnapshot } from './snapshot.js';

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
  // Keys in code-unit order, as the canonical text has them: the store writes that text in one call.
  return {
    claim_permission: to.claimPermission,
    degradation_reasons: [...to.degradationReasons].sort(),
    from_primary_state: from.primaryState,
    to_primary_state: to.primaryState,
    trigger,
  };
}
