/** How the emit pipeline retries an append that failed for a reason that may pass. */
export interface RetryPolicy {
  /** Delay before the first retry, in ms (default 100). */
  readonly initialDelayMs?: number;
  /** The delay doubles per attempt up to this cap, in ms (default 30000). There is no give-up deadline. */
  readonly maxDelayMs?: number;
}

export const DEFAULT_RETRY_INITIAL_DELAY_MS = 100;
export const DEFAULT_RETRY_MAX_DELAY_MS = 30_000;

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
