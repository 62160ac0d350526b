import type { ClaimPermission, DegradationReason, PrimaryState } from './vocabulary.js';

/** The operator-facing view of the state: what listeners, payloads and the inspector see. */
export interface OperationalStateSnapshot {
  readonly primaryState: PrimaryState;
  readonly claimPermission: ClaimPermission;
  readonly degradationReasons: readonly DegradationReason[];
  readonly isDegraded: boolean;
}

/** Builds a frozen snapshot; reasons are de-duplicated and sorted so equal states compare equal. */
export function makeSnapshot(
  primaryState: PrimaryState,
  claimPermission: ClaimPermission,
  degradationReasons: Iterable<DegradationReason>,
): OperationalStateSnapshot {
  const reasons = sortReasons(degradationReasons);
  return Object.freeze({
    primaryState,
    claimPermission,
    degradationReasons: Object.freeze(reasons),
    isDegraded: reasons.length > 0,
  });
}

export function sortReasons(reasons: Iterable<DegradationReason>): DegradationReason[] {
  // Nothing to dedupe or order (the usual case, on every transition): skip the Set.
  if (Array.isArray(reasons) && reasons.length < 2) return reasons.slice() as DegradationReason[];
  // Default sort compares UTF-16 code units, which is also RFC 8785's key order: stable on every host.
  return [...new Set(reasons)].sort();
}
