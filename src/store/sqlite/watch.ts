import type { StoreChange } from '../chain/types.js';
import type { Db } from './connection.js';

/** How often a watcher asks SQLite whether another connection committed: about four times a second. */
export const WATCH_INTERVAL_MS = 250;
/** Heads stamped this long before the newest seen are looked at again: writers' clocks differ a little. */
const CLOCK_MARGIN_MS = 5000;
/** How often a commit is answered with every head rather than the recently stamped ones. */
const FULL_SCAN_EVERY_MS = 30_000;

/**
 * Watches a file for commits by other connections (other processes included): `PRAGMA data_version`
 * changes exactly then, and costs no I/O to ask. On a change, the head rows tell which workspaces moved,
 * and each is reported with its new last seq. The timer is unref'd: watching never keeps a process alive.
 */
export function watchFile(db: Db, onChange: (change: StoreChange) => void): () => void {
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  const heads = db.prepare<[], { workspace_id: string; seq: number; updated_at: string }>(
    'SELECT workspace_id, seq, updated_at FROM chain_head',
  );
  // The head rows moved since a moment: a scan inside SQLite that hands back only those, instead of
  // every head of a large fleet on every commit.
  const movedSince = db.prepare<[string], { workspace_id: string; seq: number; updated_at: string }>(
    'SELECT workspace_id, seq, updated_at FROM chain_head WHERE updated_at >= ?',
  );
  const known = new Map<string, number>();
  let newest = '';
  let fullAt = 0;
  const take = (
    rows: readonly { workspace_id: string; seq: number; updated_at: string }[],
    report: boolean,
  ) => {
    for (const h of rows) {
      if (h.updated_at > newest) newest = h.updated_at;
      if (known.get(h.workspace_id) === h.seq) continue;
      known.set(h.workspace_id, h.seq);
      if (report) onChange({ workspaceId: h.workspace_id, seq: h.seq });
    }
  };
  take(heads.all(), false);
  fullAt = Date.now();
  let version = dataVersion.get();
  const timer = setInterval(() => {
    try {
      const v = dataVersion.get();
      if (v === version) return;
      version = v;
      if (Date.now() - fullAt > FULL_SCAN_EVERY_MS) {
        // Now and then every head: a writer whose clock lags by more than the margin is still seen.
        fullAt = Date.now();
        take(heads.all(), true);
      } else {
        take(
          movedSince.all(
            new Date(Date.parse(newest || '1970-01-01T00:00:00Z') - CLOCK_MARGIN_MS).toISOString(),
          ),
          true,
        );
      }
    } catch {
      // Busy or closed: try again on the next tick (close stops the timer).
    }
  }, WATCH_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
