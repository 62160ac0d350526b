import { sortReasons } from '../domain/snapshot.js';
import {
  CHAIN_EVENT_TYPES,
  type ClaimPermission,
  type DegradationReason,
  isClaimPermission,
  isDegradationReason,
  isPrimaryState,
  type PrimaryState,
} from '../domain/vocabulary.js';
import type { JsonObject } from '../store/chain/types.js';
import { ResumeRefusedError } from './resume-errors.js';
import type { RestorePoint } from './start-snapshot.js';

/**
 * The rows of the resume table an embedder may reasonably want otherwise. (A pause always survives: it
 * is an operator's or the cost limit's decision, and resuming past it is what this guards against.)
 */
export interface ResumePolicy {
  /**
   * After a chain that ends in `stopped`: `'booting'` (default: a deliberate new life) or `'refuse'`
   * (`resumeOperationalState` rejects with ResumeRefusedError; a stop stays a stop until an operator acts).
   */
  readonly afterStopped?: 'booting' | 'refuse';
  /**
   * After a chain that ends in `booting`, `ready` or `active`: keep its degradation reasons in the new
   * `booting` (default true), or start without them (your gates re-derive them).
   */
  readonly keepReasons?: boolean;
}

/** The last transition of a chain (or outbox), as its payload says. */
export interface EndingPosture {
  readonly seq: number;
  readonly state: PrimaryState;
  readonly claimPermission: ClaimPermission;
  readonly degradationReasons: readonly DegradationReason[];
}

const TRANSITION_TYPES: ReadonlySet<string> = new Set(CHAIN_EVENT_TYPES);

/** The transition an event records, or null for an event of another kind (a store's extra event types). */
export function transitionOf(seq: number, eventType: string, payload: JsonObject): EndingPosture | null {
  if (!TRANSITION_TYPES.has(eventType)) return null;
  // The fields a resume reads, checked as the payload schema checks them; any other field is not looked at.
  const state = payload.to_primary_state;
  const claimPermission = payload.claim_permission;
  const reasons = payload.degradation_reasons;
  if (!isPrimaryState(state) || !isClaimPermission(claimPermission) || !Array.isArray(reasons)) return null;
  if (!reasons.every(isDegradationReason)) return null;
  return { seq, state, claimPermission, degradationReasons: sortReasons(reasons) };
}

/** The resume table: where a runtime starts after a chain whose last transition is `last`. */
export function startingPoint(
  workspaceId: string,
  last: EndingPosture | null,
  policy: ResumePolicy,
  transitionCount: number,
): RestorePoint {
  const fresh = { claimPermission: 'none', degradationReasons: [], transitionCount } as const;
  if (last === null) return { state: 'booting', ...fresh };
  switch (last.state) {
    case 'paused':
      return {
        state: 'paused',
        claimPermission: last.claimPermission,
        degradationReasons: last.degradationReasons,
        transitionCount,
      };
    case 'stopped':
      if (policy.afterStopped === 'refuse') throw new ResumeRefusedError(workspaceId, last.seq);
      return { state: 'booting', ...fresh };
    default:
      return {
        state: 'booting',
        ...fresh,
        degradationReasons: policy.keepReasons === false ? [] : last.degradationReasons,
      };
  }
}
