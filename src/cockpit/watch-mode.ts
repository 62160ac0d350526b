/** How new events reach the cockpit: pushed by the store, or polled every `intervalMs`. */
export interface WatchMode {
  readonly kind: 'push' | 'poll';
  readonly intervalMs?: number;
  readonly detail: string;
}

/** `watching: push (…)` or `watching: poll every 500 ms (…)`: the startup line's words for a mode. */
export function describeWatchMode(mode: WatchMode): string {
  return mode.kind === 'push'
    ? `watching: push (${mode.detail})`
    : `watching: poll every ${mode.intervalMs ?? '?'} ms (${mode.detail})`;
}

/** How far the background verification has come: `verified` of `total` workspaces have a verdict. */
export interface VerifyProgress {
  readonly verified: number;
  readonly total: number;
}
