import { ChainStoreError } from '../../errors.js';
import type { StoreChange } from '../chain/types.js';
import { type OwnerClaim, WorkspaceFencedError, type WorkspaceOwnership } from '../chain/owner.js';
import { assertWorkspaceId } from '../chain/validate.js';
import { prepareEvent } from '../chain/prepare.js';
import { createAppender } from './append.js';
import { type Db, toChainStoreError } from './connection.js';
import type { LockedWrite } from './lock-wait.js';
import { appendedEvents } from './written-event.js';

interface ClaimRow {
  epoch: number;
  resumed_from_seq: number;
  claimed_at: string;
}

/**
 * Owners on SQLite (tables of migration 002). A claim and an owned append are each one `BEGIN IMMEDIATE`
 * transaction, so they take turns on the write lock: an owned append reads the owner epoch after every
 * claim committed before it, and a claim that commits first fences it. The owned append runs on this
 * connection whatever the store's `writer`: the check must sit in the same transaction as the insert.
 */
export function sqliteOwnership(
  db: Db,
  options: {
    readonly readOnly: boolean;
    /** Runs a write waiting for another process's lock on a timer (null when read-only). */
    readonly lockedWrite: LockedWrite | null;
    readonly notify: (change: StoreChange) => void;
    readonly assertOpen: () => void;
  },
): WorkspaceOwnership {
  const claimRows = db.prepare<[string], ClaimRow>(
    'SELECT epoch, resumed_from_seq, claimed_at FROM chain_owner_claims WHERE workspace_id = ? ORDER BY epoch',
  );
  const lastClaim = db.prepare<[string], ClaimRow>(
    `SELECT epoch, resumed_from_seq, claimed_at FROM chain_owner_claims
      WHERE workspace_id = ? ORDER BY epoch DESC LIMIT 1`,
  );
  const ownerEpoch = db
    .prepare<[string], number>('SELECT epoch FROM chain_owner WHERE workspace_id = ?')
    .pluck();
  const headRow = db.prepare<[string], { seq: number; head_hash: Buffer }>(
    'SELECT seq, head_hash FROM chain_head WHERE workspace_id = ?',
  );
  const stored = db.prepare<
    [string, number, number],
    { seq: number; event_type: string; payload_canonical: string; prev_hash: Buffer; hash: Buffer }
  >(
    `SELECT seq, event_type, payload_canonical, prev_hash, hash FROM event_log
      WHERE workspace_id = ? AND seq > ? ORDER BY seq, event_id LIMIT ?`,
  );
  const toClaim = (workspaceId: string, r: ClaimRow): OwnerClaim => ({
    workspaceId,
    epoch: r.epoch,
    resumedFromSeq: r.resumed_from_seq,
    claimedAt: r.claimed_at,
  });
  const guarded = <T>(doing: string, fn: () => T): T => {
    options.assertOpen();
    try {
      return fn();
    } catch (err) {
      if (err instanceof WorkspaceFencedError) throw err;
      throw toChainStoreError(err, doing);
    }
  };
  const writable = !options.readOnly;
  const { lockedWrite } = options;
  const locked = <T>(write: () => T): Promise<T> =>
    lockedWrite === null ? Promise.resolve().then(write) : lockedWrite(write);
  const claimTx = writable
    ? db.transaction((workspaceId: string): OwnerClaim => {
        const epoch = (ownerEpoch.get(workspaceId) ?? 0) + 1;
        const at = new Date().toISOString();
        const seq = headRow.get(workspaceId)?.seq ?? 0;
        db.prepare(
          `INSERT INTO chain_owner (workspace_id, epoch, claimed_at) VALUES (?, ?, ?)
           ON CONFLICT (workspace_id) DO UPDATE SET epoch = excluded.epoch, claimed_at = excluded.claimed_at`,
        ).run(workspaceId, epoch, at);
        db.prepare(
          'INSERT INTO chain_owner_claims (workspace_id, epoch, resumed_from_seq, claimed_at) VALUES (?, ?, ?, ?)',
        ).run(workspaceId, epoch, seq, at);
        return { workspaceId, epoch, resumedFromSeq: seq, claimedAt: at };
      })
    : null;
  const appender = writable ? createAppender(db) : null;
  const ownedAppend = writable
    ? db.transaction(
        (workspaceId: string, epoch: number, events: Parameters<NonNullable<typeof appender>>[1]) => {
          const owner = ownerEpoch.get(workspaceId);
          if (owner !== epoch) throw new WorkspaceFencedError(workspaceId, epoch, owner ?? null);
          // Nested in this transaction: the appender's own transaction becomes a savepoint.
          return (appender as NonNullable<typeof appender>)(workspaceId, events);
        },
      )
    : null;
  const refuseReadOnly = (what: string) =>
    new ChainStoreError('invalid_input', `the store is open read-only: ${what} refused`);

  return {
    async claim(workspaceId) {
      assertWorkspaceId(workspaceId);
      if (claimTx === null) throw refuseReadOnly('claim');
      return locked(() => guarded('claim', () => claimTx.immediate(workspaceId)));
    },
    async current(workspaceId) {
      assertWorkspaceId(workspaceId);
      return guarded('owner', () => {
        const row = lastClaim.get(workspaceId);
        return row === undefined ? null : toClaim(workspaceId, row);
      });
    },
    async claims(workspaceId) {
      assertWorkspaceId(workspaceId);
      return guarded('claims', () => claimRows.all(workspaceId).map((r) => toClaim(workspaceId, r)));
    },
    async appendAsOwner(workspaceId, epoch, events) {
      assertWorkspaceId(workspaceId);
      if (ownedAppend === null) throw refuseReadOnly('append');
      const prepared = events.map((e, i) => prepareEvent(e, i));
      const results = appendedEvents(
        workspaceId,
        prepared,
        await locked(() => guarded('append', () => ownedAppend.immediate(workspaceId, epoch, prepared))),
      );
      const last = results.filter((r) => !r.duplicate).at(-1);
      if (last !== undefined) options.notify({ workspaceId, seq: last.seq });
      return results;
    },
    async head(workspaceId) {
      assertWorkspaceId(workspaceId);
      return guarded('head', () => {
        const row = headRow.get(workspaceId);
        return row === undefined || row.seq === 0
          ? null
          : { seq: row.seq, hash: row.head_hash.toString('hex') };
      });
    },
    async readStored(workspaceId, afterSeq, limit) {
      assertWorkspaceId(workspaceId);
      return guarded('read', () =>
        stored.all(workspaceId, afterSeq, limit).map((r) => ({
          seq: r.seq,
          eventType: r.event_type,
          payloadCanonical: r.payload_canonical,
          prevHash: r.prev_hash.toString('hex'),
          hash: r.hash.toString('hex'),
        })),
      );
    },
  };
}
