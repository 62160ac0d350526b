/**
 * The agent's primary operational state. The values are wire format: they appear verbatim in
 * chain-event payloads and must never change.
 */
export const PrimaryState = {
  Booting: 'booting',
  Ready: 'ready',
  Active: 'active',
  Paused: 'paused',
  Stopped: 'stopped',
} as const;
export type PrimaryState = (typeof PrimaryState)[keyof typeof PrimaryState];
export const PRIMARY_STATES = Object.values(PrimaryState) as readonly PrimaryState[];

/** What the agent may claim. Orthogonal to the primary state. Wire format. */
export const ClaimPermission = {
  None: 'none',
  CriticalOnly: 'critical_only',
  Normal: 'normal',
} as const;
export type ClaimPermission = (typeof ClaimPermission)[keyof typeof ClaimPermission];
export const CLAIM_PERMISSIONS = Object.values(ClaimPermission) as readonly ClaimPermission[];

/**
 * Why the agent is degraded. Degraded is "this set is non-empty", never a state, so several reasons can
 * be active in any primary state. Wire format.
 */
export const DegradationReason = {
  Cost: 'cost',
  Auth: 'auth',
  Dispatch: 'dispatch',
  Substrate: 'substrate',
  Migration: 'migration',
  Operator: 'operator',
  TokenExpiring: 'token_expiring',
  RetryCeiling: 'retry_ceiling',
} as const;
export type DegradationReason = (typeof DegradationReason)[keyof typeof DegradationReason];
export const DEGRADATION_REASONS = Object.values(DegradationReason) as readonly DegradationReason[];

/*
 * Chain-event literals. They are a wire contract with the event log's vocabulary (the substrate's CHECK
 * set, later our `event_types` table): never rename them.
 */
/** Appended for every transition. */
export const GENERIC_TRANSITION_EVENT = 'kora.operational_state.transitioned';
/** Appended, after the generic event, for booting → ready when the trigger says all gates passed. */
export const BOOT_READY_EVENT = 'kora.boot.ready';
/** Appended, after the generic event, for booting → stopped on an invariant gate failure. */
export const BOOT_FAILED_EVENT = 'kora.boot.failed';
/** Appended, after the generic event, for any → paused when the trigger names the 100% cost rung. */
export const PAUSED_COST_LIMIT_EVENT = 'kora.paused.cost_limit';

export const CHAIN_EVENT_TYPES = [
  GENERIC_TRANSITION_EVENT,
  BOOT_READY_EVENT,
  BOOT_FAILED_EVENT,
  PAUSED_COST_LIMIT_EVENT,
] as const;
export type ChainEventType = (typeof CHAIN_EVENT_TYPES)[number];
/** The per-trigger literals: every chain event type except the generic one. */
export type TriggerLiteral = Exclude<ChainEventType, typeof GENERIC_TRANSITION_EVENT>;

const PRIMARY_STATE_SET: ReadonlySet<unknown> = new Set(PRIMARY_STATES);
const CLAIM_PERMISSION_SET: ReadonlySet<unknown> = new Set(CLAIM_PERMISSIONS);
const DEGRADATION_REASON_SET: ReadonlySet<unknown> = new Set(DEGRADATION_REASONS);

/** True for one of PRIMARY_STATES. */
export function isPrimaryState(value: unknown): value is PrimaryState {
  return PRIMARY_STATE_SET.has(value);
}

/** True for one of CLAIM_PERMISSIONS. */
export function isClaimPermission(value: unknown): value is ClaimPermission {
  return CLAIM_PERMISSION_SET.has(value);
}

/** True for one of DEGRADATION_REASONS. */
export function isDegradationReason(value: unknown): value is DegradationReason {
  return DEGRADATION_REASON_SET.has(value);
}
