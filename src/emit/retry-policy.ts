/** How the emit pipeline retries an append that failed for a reason that may pass. */
export interface RetryPolicy {
  /** Delay before the first retry, in ms (default 100). */
  readonly initialDelayMs?: number;
  /** The delay doubles per attempt up to this cap, in ms (default 1000). There is no give-up deadline. */
  readonly maxDelayMs?: number;
}

export const DEFAULT_RETRY_INITIAL_DELAY_MS = 100;
/**
 * The cap is what bounds how long emits stay queued after a store comes back: the next attempt is at
 * most one capped delay away, so the queue drains within about a second of the store answering again.
 * A larger cap spares a struggling server a probe per agent per second, at the price of agents that
 * report stale state for up to that long after it recovered.
 */
export const DEFAULT_RETRY_MAX_DELAY_MS = 1_000;

/**
 * Exponential backoff with "equal jitter": half the capped exponential delay, plus a random share of the
 * other half. The jitter keeps a fleet of agents that lost the same database from retrying in lockstep;
 * the fixed half keeps one agent from hammering a store that is still down.
 */
export function retryDelayMs(failedAttempts: number, policy: RetryPolicy = {}, random = Math.random): number {
  const initial = policy.initialDelayMs ?? DEFAULT_RETRY_INITIAL_DELAY_MS;
  const max = policy.maxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS;
  const exp = Math.min(max, initial * 2 ** Math.min(30, Math.max(0, failedAttempts - 1)));
  return Math.round(exp / 2 + random() * (exp / 2));
}
