/*
 * How SQLite appends: one `BEGIN IMMEDIATE` transaction per batch (`appendBatch.immediate` at the end of
 * this file). Taking the write lock first means the head read inside it is the head: another process's
 * writer waits until this commit, then reads the head this one left, so a workspace's seq stays gap-free
 * and the chain never forks. (A deferred transaction that upgrades to a writer can fail with SQLITE_BUSY
 * at once, without waiting.)
 *
 *   1. read the head row (seq, head_hash), or start from genesis;
 *   2. hash each event in this process with the shared chain format and insert up to ROWS_PER_INSERT
 *      rows per statement; a statement refused by a constraint (a key already in the chain, an event type
 *      outside the vocabulary) is rolled back alone and its rows go in one by one, where a known key
 *      returns the original row with duplicate: true and an unknown type is named;
 *   3. move the head row; commit (synchronous=FULL: fsync of the WAL before the append returns).
 *
 * Each commit writes: the event rows (clustered on (workspace_id, seq), so a batch fills pages at the end
 * of its workspace's range), the idempotency-key index (time-ordered keys land at its right edge too),
 * and the head row. See docs/sqlite-performance.md for what each costs and which guarantee it buys.
 */
import { uuidV4 } from '../../util/uuid-text.js';
import type BetterSqlite3 from 'better-sqlite3';
import { ChainStoreError } from '../../errors.js';
import { chainHash, genesisHash, HASH_VERSION } from '../chain/hash.js';
import type { PreparedEvent } from '../chain/prepare.js';
import { type Db, sqliteCode, toChainStoreError } from './connection.js';
import { type LogRow, LOG_COLUMNS } from './rows.js';
import type { WrittenBatch } from './written-event.js';

/** Appends prepared (validated, canonicalized) events to one workspace's chain, all or nothing. */
export type Appender = (workspaceId: string, events: readonly PreparedEvent[]) => WrittenBatch;

/**
 * Rows per multi-row INSERT at most. One statement per row costs a bind, a step and a reset each; past
 * about a hundred rows a statement saves nothing more and its SQL text grows. A batch goes in statements
 * of this many rows, its remainder in power-of-two parts, so a connection prepares at most seven of them.
 */
export const ROWS_PER_INSERT = 64;

const COLUMNS = `workspace_id, seq, event_id, event_type, payload_canonical, correlation_id, idempotency_key,
                 prev_hash, hash, hash_version, recorded_at`;
/** One row's values: the workspace and the commit time are bound once per statement, by name. */
const ROW = `(@ws, ?, ?, ?, ?, ?, ?, unhex(?), unhex(?), ${HASH_VERSION}, @at)`;

type Statement = BetterSqlite3.Statement<unknown[]>;

/** ROWS_PER_INSERT while that many are left, then the largest power of two that fits. */
function chunkSize(left: number): number {
  if (left >= ROWS_PER_INSERT) return ROWS_PER_INSERT;
  return 2 ** Math.floor(Math.log2(left));
}

/** Prepares the statements once; the returned function reuses them for every batch. */
export function createAppender(db: Db): Appender {
  const readHead = db.prepare<[string], { seq: number; head_hash: Buffer }>(
    'SELECT seq, head_hash FROM chain_head WHERE workspace_id = ?',
  );
  const insertOne = db.prepare<unknown[]>(`INSERT INTO event_log (${COLUMNS}) VALUES ${ROW}
     ON CONFLICT (workspace_id, idempotency_key) DO NOTHING`);
  /** Multi-row INSERTs by row count, prepared on first use. */
  const insertMany = new Map<number, Statement>();
  const insertRows = (n: number): Statement => {
    let statement = insertMany.get(n);
    if (statement === undefined) {
      statement = db.prepare<unknown[]>(
        `INSERT INTO event_log (${COLUMNS}) VALUES ${Array(n).fill(ROW).join(', ')}`,
      );
      insertMany.set(n, statement);
    }
    return statement;
  };
  const byKey = db.prepare<[string, string], LogRow>(
    `SELECT ${LOG_COLUMNS} FROM event_log WHERE workspace_id = ? AND idempotency_key = ?`,
  );
  const moveHead = db.prepare<[string, number, string, string]>(
    `INSERT INTO chain_head (workspace_id, seq, head_hash, updated_at) VALUES (?, ?, unhex(?), ?)
     ON CONFLICT (workspace_id) DO UPDATE
       SET seq = excluded.seq, head_hash = excluded.head_hash, updated_at = excluded.updated_at`,
  );

  const appendBatch = db.transaction((workspaceId: string, events: readonly PreparedEvent[]) => {
    const head = readHead.get(workspaceId);
    const startSeq = head?.seq ?? 0;
    const startHash = head === undefined ? genesisHash(workspaceId) : head.head_hash.toString('hex');
    const recordedAt = new Date().toISOString();
    const named = { ws: workspaceId, at: recordedAt };
    const eventIds: (string | null)[] = new Array<string | null>(events.length);
    const hashes: string[] = new Array<string>(events.length);
    const duplicates: [index: number, row: LogRow][] = [];
    let seq = startSeq;
    let prev = startHash;
    const params: unknown[] = [];

    /** Links events[from, to) after `prev` and inserts them in one statement; false if it was refused. */
    const tryChunk = (from: number, to: number): boolean => {
      params.length = 0;
      let at = prev;
      for (let i = from; i < to; i++) {
        const e = events[i] as PreparedEvent;
        const s = seq + 1 + (i - from);
        const hash = chainHash(at, s, e.eventType, e.payloadCanonical);
        const eventId = uuidV4();
        params.push(s, eventId, e.eventType, e.payloadCanonical, e.correlationId, e.idempotencyKey, at, hash);
        eventIds[i] = eventId;
        hashes[i] = hash;
        at = hash;
      }
      try {
        insertRows(to - from).run(...params, named);
      } catch (err) {
        // A refused statement is rolled back on its own; the transaction and earlier chunks stand.
        if (sqliteCode(err).startsWith('SQLITE_CONSTRAINT')) return false;
        throw err;
      }
      seq += to - from;
      prev = at;
      return true;
    };

    /** One event after `prev`, skipped (its original row kept) when its key is already in the chain. */
    const insertSingle = (i: number): void => {
      const e = events[i] as PreparedEvent;
      const hash = chainHash(prev, seq + 1, e.eventType, e.payloadCanonical);
      const eventId = uuidV4();
      let changes: number;
      try {
        ({ changes } = insertOne.run(
          seq + 1,
          eventId,
          e.eventType,
          e.payloadCanonical,
          e.correlationId,
          e.idempotencyKey,
          prev,
          hash,
          named,
        ));
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
      if (changes === 1) {
        seq += 1;
        prev = hash;
        eventIds[i] = eventId;
        hashes[i] = hash;
        return;
      }
      // The key is in the chain already (from an earlier batch or earlier in this one).
      const original = byKey.get(workspaceId, e.idempotencyKey ?? '');
      if (original === undefined) throw new Error('an idempotency conflict without its row');
      eventIds[i] = null;
      duplicates.push([i, original]);
    };

    for (let from = 0; from < events.length;) {
      const to = from + chunkSize(events.length - from);
      if (!tryChunk(from, to)) for (let i = from; i < to; i++) insertSingle(i);
      from = to;
    }
    if (seq !== startSeq) moveHead.run(workspaceId, seq, prev, recordedAt);
    return { recordedAt, startSeq, startHash, eventIds, hashes, duplicates };
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
