/*
 * How SQLite appends: one `BEGIN IMMEDIATE` transaction per batch (`appendBatch.immediate` at the end of
 * this file). Taking the write lock first means the head read inside it is the head: another process's
 * writer waits until this commit, then reads the head this one left, so a workspace's seq stays gap-free
 * and the chain never forks. (A deferred transaction that upgrades to a writer can fail with SQLITE_BUSY
 * at once, without waiting.)
 *
 *   1. read the head row (seq, head_hash), or start from genesis;
 *   2. per event: hash in this process with the shared chain format, INSERT … ON CONFLICT on the
 *      idempotency key DO NOTHING; a known key returns the original row with duplicate: true;
 *   3. move the head row; commit (synchronous=FULL: fsync of the WAL before the append returns).
 *
 * Each commit writes: the event rows (clustered on (workspace_id, seq), so a batch fills pages at the end
 * of its workspace's range), the idempotency-key index (time-ordered keys land at its right edge too),
 * and the head row. See docs/sqlite-performance.md for what each costs and which guarantee it buys.
 */
import { randomUUID } from 'node:crypto';
import { ChainStoreError } from '../../errors.js';
import { chainHashBytes, genesisHash, HASH_VERSION } from '../chain/hash.js';
import type { PreparedEvent } from '../chain/prepare.js';
import type { AppendedEvent } from '../chain/types.js';
import { type Db, sqliteCode, toChainStoreError } from './connection.js';
import { type LogRow, LOG_COLUMNS, rowToEvent } from './rows.js';
import { writtenEvent } from './written-event.js';

/** Appends prepared (validated, canonicalized) events to one workspace's chain, all or nothing. */
export type Appender = (workspaceId: string, events: readonly PreparedEvent[]) => AppendedEvent[];

/** Prepares the statements once; the returned function reuses them for every batch. */
export function createAppender(db: Db): Appender {
  const readHead = db.prepare<[string], { seq: number; head_hash: Buffer }>(
    'SELECT seq, head_hash FROM chain_head WHERE workspace_id = ?',
  );
  const insert = db.prepare<
    [string, number, string, string, string, string | null, string | null, Buffer, Buffer, number, string]
  >(
    `INSERT INTO event_log (workspace_id, seq, event_id, event_type, payload_canonical, correlation_id,
                            idempotency_key, prev_hash, hash, hash_version, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (workspace_id, idempotency_key) DO NOTHING`,
  );
  const byKey = db.prepare<[string, string], LogRow>(
    `SELECT ${LOG_COLUMNS} FROM event_log WHERE workspace_id = ? AND idempotency_key = ?`,
  );
  const moveHead = db.prepare<[string, number, Buffer, string]>(
    `INSERT INTO chain_head (workspace_id, seq, head_hash, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (workspace_id) DO UPDATE
       SET seq = excluded.seq, head_hash = excluded.head_hash, updated_at = excluded.updated_at`,
  );

  /** Inserts one event after `prev`; false when its idempotency key is already in the chain. */
  const insertEvent = (
    workspaceId: string,
    seq: number,
    eventId: string,
    e: PreparedEvent,
    prev: Buffer,
    hash: Buffer,
    recordedAt: string,
  ): boolean => {
    try {
      const { changes } = insert.run(
        workspaceId,
        seq,
        eventId,
        e.eventType,
        e.payloadCanonical,
        e.correlationId,
        e.idempotencyKey,
        prev,
        hash,
        HASH_VERSION,
        recordedAt,
      );
      return changes === 1;
    } catch (err) {
      if (sqliteCode(err) === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new ChainStoreError(
          'unknown_event_type',
          `event type ${JSON.stringify(e.eventType)} is not in the vocabulary (event_types)`,
          { eventType: e.eventType, cause: err },
        );
      }
      throw err;
    }
  };

  const appendBatch = db.transaction((workspaceId: string, events: readonly PreparedEvent[]) => {
    const head = readHead.get(workspaceId);
    const headSeq = head?.seq ?? 0;
    let seq = headSeq;
    let prev = head === undefined ? Buffer.from(genesisHash(workspaceId), 'hex') : head.head_hash;
    let prevHex = prev.toString('hex');
    const recordedAt = new Date().toISOString();
    const results: AppendedEvent[] = [];
    for (const e of events) {
      const hash = chainHashBytes(prev, seq + 1, e.eventType, e.payloadCanonical);
      const eventId = randomUUID();
      if (!insertEvent(workspaceId, seq + 1, eventId, e, prev, hash, recordedAt)) {
        // The key is in the chain already (from an earlier batch or earlier in this one).
        const original = byKey.get(workspaceId, e.idempotencyKey ?? '');
        if (original === undefined) throw new Error('an idempotency conflict without its row');
        results.push({ ...rowToEvent(workspaceId, original), duplicate: true });
        continue;
      }
      seq += 1;
      const hashHex = hash.toString('hex');
      results.push(
        writtenEvent(
          {
            eventId,
            workspaceId,
            seq,
            eventType: e.eventType,
            occurredAt: recordedAt,
            correlationId: e.correlationId,
            idempotencyKey: e.idempotencyKey,
            prevHash: prevHex,
            hash: hashHex,
            duplicate: false,
          },
          e.payloadCanonical,
        ),
      );
      prev = hash;
      prevHex = hashHex;
    }
    if (seq !== headSeq) moveHead.run(workspaceId, seq, prev, recordedAt);
    return results;
  });

  return (workspaceId, events) => {
    try {
      // better-sqlite3 issues `BEGIN IMMEDIATE` here: the write lock is taken before the head is read.
      return appendBatch.immediate(workspaceId, events);
    } catch (err) {
      throw toChainStoreError(err, 'append');
    }
  };
}
