import { GENERIC_TRANSITION_EVENT } from '../../domain/vocabulary.js';
import { parseCanonical } from '../chain/canonical-json.js';
import type { FleetSummaryOptions, WorkspaceHead } from '../chain/types.js';
import { parseFleetSummaryOptions } from '../chain/validate.js';
import type { Queryable } from './queryable.js';

interface SummaryRow {
  workspace_id: string;
  seq: string | number;
  head_hash: string;
  last_type: string | null;
  last_at: string | null;
  transitions: string | number;
  t_seq: string | number | null;
  t_at: string | null;
  t_payload: string | null;
}

/**
 * A timestamptz as the ISO 8601 text `Date.prototype.toISOString` gives (UTC, milliseconds, `Z`), made by
 * the server: a fleet's summary is 100,000s of rows, and a Date parsed per timestamp, only to be turned
 * into that text, was a large part of what loading it allocated.
 */
function isoText(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/*
 * One statement over the head rows. The last transition walks the primary key backwards from the head
 * and stops at the first generic event; the count reads the workspace's rows through the primary key
 * (no index on event_type: the append would pay for it on every event). Both run per head inside the
 * server: one round trip for the whole fleet.
 */
const SUMMARY_SQL = `
  SELECT h.workspace_id, h.seq, encode(h.head_hash, 'hex') AS head_hash,
         e.event_type AS last_type, ${isoText('e.recorded_at')} AS last_at,
         (SELECT count(*) FROM opstate.event_log c
           WHERE c.workspace_id = h.workspace_id AND c.event_type = $1) AS transitions,
         t.seq AS t_seq, ${isoText('t.recorded_at')} AS t_at, t.payload_canonical AS t_payload
    FROM opstate.chain_head h
    LEFT JOIN opstate.event_log e ON e.workspace_id = h.workspace_id AND e.seq = h.seq
    LEFT JOIN LATERAL (
      SELECT x.seq, x.recorded_at, x.payload_canonical FROM opstate.event_log x
       WHERE x.workspace_id = h.workspace_id AND x.seq <= h.seq AND x.event_type = $1
       ORDER BY x.seq DESC LIMIT 1) t ON true
   WHERE $2::text IS NULL OR h.workspace_id > $2
   ORDER BY h.workspace_id
   LIMIT $3`;

/** Every workspace's head and last transition, in one statement (see `ChainStore.fleetSummary`). */
export async function fleetSummary(db: Queryable, options?: FleetSummaryOptions): Promise<WorkspaceHead[]> {
  const { after, limit } = parseFleetSummaryOptions(options);
  // LIMIT NULL is no limit.
  const rows = await db.query<SummaryRow>(SUMMARY_SQL, [GENERIC_TRANSITION_EVENT, after, limit]);
  return rows.map((r) => ({
    workspaceId: r.workspace_id,
    seq: Number(r.seq),
    headHash: r.head_hash,
    lastEventType: r.last_type,
    lastEventAt: r.last_at,
    transitions: Number(r.transitions),
    lastTransition:
      r.t_seq === null || r.t_at === null || r.t_payload === null
        ? null
        : { seq: Number(r.t_seq), occurredAt: r.t_at, payload: parseCanonical(r.t_payload) },
  }));
}
