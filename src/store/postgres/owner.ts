import { APPEND_OWNED, type AppendRow, appendArrays, runAppend, toAppendedEvents } from './append-rows.js';
import { type OwnerClaim, WorkspaceFencedError, type WorkspaceOwnership } from '../chain/owner.js';
import { prepareEvent } from '../chain/prepare.js';
import { assertWorkspaceId } from '../chain/validate.js';
import { toChainStoreError } from './db-errors.js';
import type { SqlEngine } from './queryable.js';

interface ClaimRow {
  epoch: number | string;
  resumed_from_seq: number | string;
  claimed_at: Date | string;
}

/** The SQLSTATE `opstate.chain_append_owned` raises for a superseded epoch (migration 004). */
const FENCED_SQLSTATE = 'OSF01';

/**
 * Owners on PostgreSQL (migration 004): a claim is one `opstate.chain_claim()` call, an owned append one
 * `opstate.chain_append_owned()` call, which checks the epoch under a share lock on the owner row in the
 * same transaction as the append.
 */
export function postgresOwnership(engine: SqlEngine, assertOpen: () => void): WorkspaceOwnership {
  const query = async <R>(text: string, params: readonly unknown[]): Promise<R[]> => {
    assertOpen();
    try {
      return await engine.db.query<R>(text, params);
    } catch (err) {
      throw toChainStoreError(err, engine.name);
    }
  };
  const toClaim = (workspaceId: string, r: ClaimRow): OwnerClaim => ({
    workspaceId,
    epoch: Number(r.epoch),
    resumedFromSeq: Number(r.resumed_from_seq),
    claimedAt: new Date(r.claimed_at).toISOString(),
  });
  const claimColumns = 'epoch, resumed_from_seq, claimed_at';
  return {
    async claim(workspaceId) {
      assertWorkspaceId(workspaceId);
      const rows = await query<ClaimRow>(
        `SELECT r_epoch AS epoch, r_resumed_from_seq AS resumed_from_seq, r_claimed_at AS claimed_at
           FROM opstate.chain_claim($1)`,
        [workspaceId],
      );
      return toClaim(workspaceId, rows[0] as ClaimRow);
    },
    async current(workspaceId) {
      assertWorkspaceId(workspaceId);
      const rows = await query<ClaimRow>(
        `SELECT ${claimColumns} FROM opstate.chain_owner_claims WHERE workspace_id = $1 ORDER BY epoch DESC LIMIT 1`,
        [workspaceId],
      );
      return rows[0] === undefined ? null : toClaim(workspaceId, rows[0]);
    },
    async claims(workspaceId) {
      assertWorkspaceId(workspaceId);
      const rows = await query<ClaimRow>(
        `SELECT ${claimColumns} FROM opstate.chain_owner_claims WHERE workspace_id = $1 ORDER BY epoch`,
        [workspaceId],
      );
      return rows.map((r) => toClaim(workspaceId, r));
    },
    async appendAsOwner(workspaceId, epoch, events) {
      assertOpen();
      assertWorkspaceId(workspaceId);
      const prepared = events.map((e, i) => prepareEvent(e, i));
      let rows: AppendRow[];
      try {
        rows = await runAppend(engine.db, APPEND_OWNED, [workspaceId, epoch, ...appendArrays(prepared)]);
      } catch (err) {
        const e = err as { code?: unknown; detail?: unknown };
        if (e.code === FENCED_SQLSTATE) {
          const owner = typeof e.detail === 'string' && e.detail !== '' ? Number(e.detail) : null;
          throw new WorkspaceFencedError(workspaceId, epoch, owner);
        }
        throw toChainStoreError(err, engine.name);
      }
      return toAppendedEvents(workspaceId, rows);
    },
    async head(workspaceId) {
      assertWorkspaceId(workspaceId);
      const rows = await query<{ seq: number | string; head_hash: string }>(
        `SELECT seq, encode(head_hash, 'hex') AS head_hash FROM opstate.chain_head WHERE workspace_id = $1`,
        [workspaceId],
      );
      const row = rows[0];
      return row === undefined || Number(row.seq) === 0
        ? null
        : { seq: Number(row.seq), hash: row.head_hash };
    },
    async readStored(workspaceId, afterSeq, limit) {
      assertWorkspaceId(workspaceId);
      const rows = await query<{
        seq: number | string;
        event_type: string;
        payload_canonical: string;
        prev_hash: string;
        hash: string;
      }>(
        `SELECT seq, event_type, payload_canonical, encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash
           FROM opstate.event_log WHERE workspace_id = $1 AND seq > $2 ORDER BY seq, event_id LIMIT $3`,
        [workspaceId, afterSeq, limit],
      );
      return rows.map((r) => ({
        seq: Number(r.seq),
        eventType: r.event_type,
        payloadCanonical: r.payload_canonical,
        prevHash: r.prev_hash,
        hash: r.hash,
      }));
    },
  };
}
