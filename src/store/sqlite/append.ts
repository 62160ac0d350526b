/*
 * How SQLite appends: one `BEGIN IMMEDIATE` transaction per batch. Taking the write lock first means the
 * head read inside it is the head: another process's writer waits on the busy timeout until this commit,
 * then reads the head this one left, so a workspace's seq stays gap-free and the chain never forks. (A
 * deferred transaction that upgrades to a writer can fail with SQLITE_BUSY at once, without waiting.)
 *
 *   1. read the head row (seq, head_hash), or start from genesis;
 *   2. per event: hash in this process with the shared chain format, INSERT … ON CONFLICT on the
 *      idempotency key DO NOTHING; a known key returns the original row with duplicate: true;
 *   3. move the head row; commit (synchronous=FULL: fsync of the WAL before the append returns).
 */
import { randomUUID } from 'node:crypto';
import { ChainStoreError } from '../../errors.js';
import { parseCanonical } from '../chain/canonical-json.js';
import { chainHash, genesisHash, HASH_VERSION } from '../chain/hash.js';
import type { PreparedEvent } from '../chain/prepare.js';
import type { AppendedEvent } from '../chain/types.js';
import { type Db, sqliteCode, toChainStoreError } from './connection.js';
import { type LogRow, LOG_COLUMNS, rowToEvent } from './rows.js';

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

  const appendBatch = db.transaction((workspaceId: string, events: readonly PreparedEvent[]) => {
    const head = readHead.get(workspaceId);
    let seq = head?.seq ?? 0;
    let prev = head === undefined ? genesisHash(workspaceId) : head.head_hash.toString('hex');
    const recordedAt = new Date().toISOString();
    const results: AppendedEvent[] = [];
    for (const e of events) {
      const hash = chainHash(prev, seq + 1, e.eventType, e.payloadCanonical);
      const eventId = randomUUID();
      let changes: number;
      try {
        changes = insert.run(
          workspaceId,
          seq + 1,
          eventId,
          e.eventType,
          e.payloadCanonical,
          e.correlationId,
          e.idempotencyKey,
          Buffer.from(prev, 'hex'),
          Buffer.from(hash, 'hex'),
          HASH_VERSION,
          recordedAt,
        ).changes;
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
      if (changes === 0) {
        // The key is in the chain already (from an earlier batch or earlier in this one).
        const original = byKey.get(workspaceId, e.idempotencyKey ?? '');
        if (original === undefined) throw new Error('an idempotency conflict without its row');
        results.push({ ...rowToEvent(workspaceId, original), duplicate: true });
        continue;
      }
      seq += 1;
      results.push({
        eventId,
        workspaceId,
        seq,
        eventType: e.eventType,
        payload: parseCanonical(e.payloadCanonical),
        occurredAt: recordedAt,
        correlationId: e.correlationId,
        idempotencyKey: e.idempotencyKey,
        prevHash: prev,
        hash,
        duplicate: false,
      });
      prev = hash;
    }
    if (seq !== (head?.seq ?? 0)) moveHead.run(workspaceId, seq, Buffer.from(prev, 'hex'), recordedAt);
    return results;
  });

  return (workspaceId, events) => {
    try {
      return appendBatch.immediate(workspaceId, events);
    } catch (err) {
      throw toChainStoreError(err, 'append');
    }
  };
}
