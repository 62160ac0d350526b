/** Exit codes of the `opstate` command: scripts and CI can rely on them. */
export const EXIT = {
  ok: 0,
  /** A problem was found: a chain that does not verify, a demo whose emits failed for good. */
  failure: 1,
  /** The command line was wrong: unknown flag, bad value, missing store. */
  usage: 2,
} as const;

/** A bad value on the command line; the message names the value and the fix. Exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command ran and found a problem. Exits 1. */
export class CommandFailure extends Error {
  override readonly name = 'CommandFailure';
}
