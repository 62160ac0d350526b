import type { StoreChange } from '../chain/types.js';
import type { Queryable } from './queryable.js';

/**
 * A head row is stamped with its transaction's start (`now()`), which can be earlier than a commit seen
 * by the previous poll: each poll looks this far behind the server time of the last one. Longer than any
 * append may run (the store's statement timeout defaults to 15 s).
 */
const LOOKBACK_SECONDS = 60;

interface HeadRow {
  workspace_id: string;
  seq: number | string;
  now: Date;
}

/**
 * Watches by asking the head table every `intervalMs` which workspaces moved: for a connection through
 * a transaction-pooling PgBouncer, where a LISTEN does not outlive its statement. One statement per poll
 * on the store's pool, reading only the head rows stamped in the last minute; a workspace is reported
 * with its new last seq. The first good poll, and the next good one after a failed poll, also report one
 * change without a workspace: what moved before (the follower read before watching) or meanwhile may be
 * unknown, so the follower should re-read.
 */
export function pollAppends(
  db: Queryable,
  intervalMs: number,
  onChange: (change: StoreChange) => void,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const seen = new Map<string, number>();
  let since: Date | null = null;
  let failed = false;

  const poll = async (): Promise<void> => {
    try {
      const rows = await db.query<HeadRow>(
        `SELECT workspace_id, seq, now() AS now FROM opstate.chain_head
          WHERE updated_at > coalesce($1::timestamptz, now()) - make_interval(secs => $2)`,
        [since, LOOKBACK_SECONDS],
      );
      if (stopped) return;
      const first = since === null;
      if (failed || first) {
        failed = false;
        onChange({});
      }
      for (const r of rows) {
        const seq = Number(r.seq);
        if (!first && seen.get(r.workspace_id) !== seq) onChange({ workspaceId: r.workspace_id, seq });
        seen.set(r.workspace_id, seq);
      }
      const at = rows[0]?.now ?? (await db.query<{ now: Date }>('SELECT now() AS now'))[0]?.now;
      if (at !== undefined) since = at;
      // Rows that left the look-back window cannot come back into it without moving again.
      if (seen.size > rows.length) {
        const present = new Set(rows.map((r) => r.workspace_id));
        for (const ws of seen.keys()) if (!present.has(ws)) seen.delete(ws);
      }
    } catch {
      failed = since !== null;
    } finally {
      if (!stopped) {
        timer = setTimeout(() => void poll(), intervalMs);
        timer.unref();
      }
    }
  };
  void poll();

  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
