/*
 * Coming back from a full disk. Appends go to the WAL, which SQLite copies into the database file and
 * rewinds only at an automatic checkpoint (every 1,000 pages, about 4 MiB). On a disk with less room
 * than that, a WAL that filled it can never reach the checkpoint: once space returns, appends grow the
 * WAL into it and fail with SQLITE_FULL again, forever. So after an append fails with SQLITE_FULL, the
 * next attempt first checkpoints and truncates the WAL (which needs only room for the pages the database
 * file gains, then frees the whole WAL), and the connection checkpoints every 100 pages from then on.
 * Nothing is lost: a failed append rolled back, and its caller retries it.
 */
import { ChainStoreError } from '../../errors.js';
import type { Appender } from './append.js';
import { type Db, sqliteCode, toChainStoreError } from './connection.js';

/** Pages of WAL between automatic checkpoints once a disk has been full (SQLite's default is 1,000). */
export const TIGHT_AUTOCHECKPOINT_PAGES = 100;

/** Wraps an appender on `db` so that it recovers once space returns after SQLITE_FULL. */
export function recoverFromFullDisk(db: Db, append: Appender): Appender {
  const truncateWal = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)');
  let checkpointFirst = false;
  let tight = false;
  return (workspaceId, events) => {
    if (checkpointFirst) {
      try {
        // Throws SQLITE_FULL while there is still no room; a reader holding the WAL only makes it partial.
        truncateWal.get();
      } catch (err) {
        throw toChainStoreError(err, 'checkpoint of the WAL after a full disk');
      }
      checkpointFirst = false;
    }
    try {
      return append(workspaceId, events);
    } catch (err) {
      if (isFull(err)) {
        checkpointFirst = true;
        if (!tight) {
          db.pragma(`wal_autocheckpoint = ${TIGHT_AUTOCHECKPOINT_PAGES}`);
          tight = true;
        }
      }
      throw err;
    }
  };
}

function isFull(err: unknown): boolean {
  if (sqliteCode(err).startsWith('SQLITE_FULL')) return true;
  return err instanceof ChainStoreError && sqliteCode(err.cause).startsWith('SQLITE_FULL');
}
