import type { StoreChange } from '../chain/types.js';
import type { Db } from './connection.js';

/** How often a watcher asks SQLite whether another connection committed: about four times a second. */
export const WATCH_INTERVAL_MS = 250;

/**
 * Watches a file for commits by other connections (other processes included): `PRAGMA data_version`
 * changes exactly then, and costs no I/O to ask. On a change, the head rows tell which workspaces moved,
 * and each is reported with its new last seq. The timer is unref'd: watching never keeps a process alive.
 */
export function watchFile(db: Db, onChange: (change: StoreChange) => void): () => void {
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  const heads = db.prepare<[], { workspace_id: string; seq: number }>(
    'SELECT workspace_id, seq FROM chain_head',
  );
  const snapshot = () => new Map(heads.all().map((h) => [h.workspace_id, h.seq]));
  let version = dataVersion.get();
  let known = snapshot();
  const timer = setInterval(() => {
    let now: Map<string, number>;
    try {
      const v = dataVersion.get();
      if (v === version) return;
      version = v;
      now = snapshot();
    } catch {
      // Busy or closed: try again on the next tick (close stops the timer).
      return;
    }
    for (const [workspaceId, seq] of now) {
      if (known.get(workspaceId) !== seq) onChange({ workspaceId, seq });
    }
    known = now;
  }, WATCH_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
