/*
 * The R4.1 §9.1 table's own words, verbatim (the en dash in "L1–3" and the "§" are part of them). The
 * chart puts them in each transition's `meta`; events without an explicit trigger default to them.
 */
export const TRIGGER = {
  gatesPassed: 'all §9.2 gates pass',
  gateRetry: 'transient gate failure',
  bootFailed: 'invariant gate failure, or retry budget exhausted',
  epochMismatch: 'gate 3b epoch mismatch (§9.8)',
  claimAcquired: 'claim acquired',
  claimReleased: 'claim released',
  pause: 'STOP-KORA L1–3, cost 100%, operator',
  creditRefreshed: 'monthly credit refresh confirmed',
  operatorReset: 'operator clears via kora_control reset',
  stop: 'STOP-KORA L4/L5',
} as const;

/** The substrings the literal guards look for (case-sensitive, as in the original). */
export const LITERAL_TRIGGER_TEXT = {
  bootReady: 'all §9.2 gates pass',
  bootFailed: 'invariant gate failure',
  costLimit: 'cost 100%',
} as const;

/**
 * The table's "any → paused" trigger names three causes at once, and contains "cost 100%". A typed PAUSE
 * therefore defaults to the wording of its own cause, so that an operator pause can never pick the
 * cost-limit literal by accident.
 */
export const PAUSE_TRIGGER_BY_CAUSE = {
  cost_limit: 'cost 100%',
  stop_kora: 'STOP-KORA L1–3',
  operator: 'operator',
} as const;

/** Same-state posture updates are not table rows; this is their default trigger. */
export const POSTURE_UPDATE_TRIGGER = 'posture update';
