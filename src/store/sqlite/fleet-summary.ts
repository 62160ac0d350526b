import { GENERIC_TRANSITION_EVENT } from '../../domain/vocabulary.js';
import { parseCanonical } from '../chain/canonical-json.js';
import type { FleetSummaryOptions, WorkspaceHead } from '../chain/types.js';
import { parseFleetSummaryOptions } from '../chain/validate.js';
import type { Db } from './connection.js';

interface SummaryRow {
  workspace_id: string;
  seq: number;
  head_hash: string;
  last_type: string | null;
  last_at: string | null;
  transitions: number;
  t_seq: number | null;
  t_at: string | null;
  t_payload: string | null;
}

/*
 * One statement over the head rows. The last transition is found by walking the primary key backwards
 * from the head (it is the head row or the one before it, unless literals pile up), and the transition
 * count is a range scan of the workspace's own rows: no per-workspace round trip from the caller.
 */
const SUMMARY_SQL = `
  SELECT h.workspace_id, h.seq, lower(hex(h.head_hash)) AS head_hash,
         e.event_type AS last_type, e.recorded_at AS last_at,
         (SELECT count(*) FROM event_log c
           WHERE c.workspace_id = h.workspace_id AND c.event_type = @t) AS transitions,
         t.seq AS t_seq, t.recorded_at AS t_at, t.payload_canonical AS t_payload
    FROM chain_head h
    LEFT JOIN event_log e ON e.workspace_id = h.workspace_id AND e.seq = h.seq
    LEFT JOIN event_log t ON t.workspace_id = h.workspace_id AND t.seq = CASE
      WHEN e.event_type = @t THEN e.seq
      ELSE (SELECT x.seq FROM event_log x
             WHERE x.workspace_id = h.workspace_id AND x.seq < h.seq AND x.event_type = @t
             ORDER BY x.seq DESC LIMIT 1) END
   WHERE h.workspace_id > @after
   ORDER BY h.workspace_id
   LIMIT @limit`;

/** Every workspace's head and last transition, in one statement (see `ChainStore.fleetSummary`). */
export function createFleetSummary(db: Db): (options?: FleetSummaryOptions) => WorkspaceHead[] {
  const statement = db.prepare<[{ t: string; after: string; limit: number }], SummaryRow>(SUMMARY_SQL);
  return (options) => {
    const { after, limit } = parseFleetSummaryOptions(options);
    // '' sorts before every id (ids are never empty); LIMIT -1 is SQLite's "no limit".
    const rows = statement.all({ t: GENERIC_TRANSITION_EVENT, after: after ?? '', limit: limit ?? -1 });
    return rows.map((r) => ({
      workspaceId: r.workspace_id,
      seq: r.seq,
      headHash: r.head_hash,
      lastEventType: r.last_type,
      lastEventAt: r.last_at,
      transitions: r.transitions,
      lastTransition:
        r.t_seq === null || r.t_at === null || r.t_payload === null
          ? null
          : { seq: r.t_seq, occurredAt: r.t_at, payload: parseCanonical(r.t_payload) },
    }));
  };
}
