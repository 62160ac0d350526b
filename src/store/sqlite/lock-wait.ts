/*
 * Waiting for SQLite's write lock without holding the event loop. better-sqlite3 is synchronous: with a
 * busy timeout, a `BEGIN IMMEDIATE` that finds the lock held by another process (an operator's sqlite3
 * shell, a backup, another agent's long batch) sleeps inside SQLite on the calling thread, so the agent's
 * timers, I/O and health checks stop for as long as the lock is held. Here the attempt runs with a busy
 * timeout of 0 (it fails at once with SQLITE_BUSY when the lock is taken), and the wait between attempts
 * is a timer: the event loop runs while the other process holds the lock.
 */
import { ChainStoreError } from '../../errors.js';
import { type Db, sqliteCode } from './connection.js';

/** The first pause after a busy attempt; it doubles up to MAX_PAUSE_MS. */
const FIRST_PAUSE_MS = 1;
/** Short enough that a released lock is taken within a few ms, long enough to cost nothing while held. */
const MAX_PAUSE_MS = 20;

/**
 * Runs a synchronous write that starts with `BEGIN IMMEDIATE` (it throws SQLITE_BUSY, raw or as the
 * `cause` of a ChainStoreError, when the lock is held elsewhere).
 */
export type LockedWrite = <T>(write: () => T) => Promise<T>;

/**
 * Returns a runner for writes on `db` that waits up to `busyTimeoutMs` for another process's write lock,
 * polling on a timer. Writes run one at a time in call order (a write that is waiting is never overtaken
 * by a later one), and nothing is dropped: a write that still finds the lock held after `busyTimeoutMs`
 * rejects with the write's own error, as it would have with SQLite's busy timeout.
 */
export function createLockedWrite(db: Db, busyTimeoutMs: number): LockedWrite {
  const noWait = db.prepare('PRAGMA busy_timeout = 0');
  const restore = db.prepare(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  // Reads share this connection and keep SQLite's own busy timeout (WAL readers almost never wait).
  const attempt = <T>(write: () => T): T => {
    noWait.get();
    try {
      return write();
    } finally {
      restore.get();
    }
  };
  let tail: Promise<unknown> = Promise.resolve();

  const run = async <T>(write: () => T): Promise<T> => {
    const start = performance.now();
    let pause = FIRST_PAUSE_MS;
    for (;;) {
      try {
        return attempt(write);
      } catch (err) {
        if (!isBusy(err)) throw err;
        const waited = performance.now() - start;
        if (waited >= busyTimeoutMs) throw lockTimeout(err, waited);
        await new Promise((resolve) => setTimeout(resolve, Math.min(pause, busyTimeoutMs - waited)));
        pause = Math.min(pause * 2, MAX_PAUSE_MS);
      }
    }
  };

  return <T>(write: () => T): Promise<T> => {
    const result = tail.then(() => run(write));
    tail = result.catch(() => undefined);
    return result;
  };
}

/** SQLITE_BUSY (and its extended codes) from the driver, or wrapped as a ChainStoreError's cause. */
export function isBusy(err: unknown): boolean {
  if (sqliteCode(err).startsWith('SQLITE_BUSY')) return true;
  return err instanceof ChainStoreError && sqliteCode(err.cause).startsWith('SQLITE_BUSY');
}

function lockTimeout(err: unknown, waitedMs: number): ChainStoreError {
  const cause = err instanceof ChainStoreError ? err.cause : err;
  return new ChainStoreError(
    'unavailable',
    `SQLite append failed (SQLITE_BUSY): another process held the write lock for ${Math.round(waitedMs)} ms (busyTimeoutMs)`,
    { cause },
  );
}
