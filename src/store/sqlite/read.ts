import type { ChainEvent, ReadOptions, VerifyResult } from '../chain/types.js';
import { parseReadOptions } from '../chain/validate.js';
import { checkPastHead, type HeadSnapshot } from '../chain/past-head.js';
import { unknownWorkspace, type VerifiableEvent, verifyChainPages } from '../chain/verify.js';
import { type Db, toChainStoreError } from './connection.js';
import { LOG_COLUMNS, type LogRow, rowToEvent } from './rows.js';

/** Rows per verify page: one synchronous read each, then the event loop gets a turn. */
export const VERIFY_PAGE_SIZE = 5000;

export interface Reader {
  read(workspaceId: string, options?: ReadOptions): ChainEvent[];
  workspaces(): string[];
  verify(workspaceId: string): Promise<VerifyResult>;
}

interface VerifyRow {
  seq: number;
  event_id: string;
  event_type: string;
  payload_canonical: string;
  prev_hash: Buffer;
  hash: Buffer;
  hash_version: number;
}

/** Reads and verification over prepared statements, reused for every call. */
export function createReader(db: Db): Reader {
  // One statement, one snapshot; seqs commit in order under the write lock, so a page never skips one.
  const page = db.prepare<[string, number, number, string, number], LogRow>(
    `SELECT ${LOG_COLUMNS} FROM event_log
      WHERE workspace_id = ? AND seq > ? AND substr(event_type, 1, ?) = ?
      ORDER BY seq LIMIT ?`,
  );
  const listWorkspaces = db
    .prepare<[], string>('SELECT workspace_id FROM chain_head ORDER BY workspace_id')
    .pluck();
  const head = db.prepare<[string], { seq: number; head_hash: Buffer }>(
    'SELECT seq, head_hash FROM chain_head WHERE workspace_id = ?',
  );
  const anyRow = db
    .prepare<[string], number>('SELECT 1 FROM event_log WHERE workspace_id = ? LIMIT 1')
    .pluck();
  // Pages are seq ranges, a range scan of the primary key each: rows sharing a seq (a fork planted by
  // someone who rebuilt the table without its keys) fall in one page, so the verifier can name the fork.
  // (Keyset paging on (seq, event_id) would sort the whole rest of the chain for every page.)
  const verifyPage = db.prepare<[string, number, number], VerifyRow>(
    `SELECT seq, event_id, event_type, payload_canonical, prev_hash, hash, hash_version FROM event_log
      WHERE workspace_id = ? AND seq > ? AND seq <= ?
      ORDER BY seq, event_id`,
  );
  // Only for a text holding U+FFFD (rare): the bytes behind it, which the driver decoded lossily if
  // they are not UTF-8.
  const payloadBytes = db
    .prepare<[string, number, string], Buffer>(
      'SELECT CAST(payload_canonical AS BLOB) FROM event_log WHERE workspace_id = ? AND seq = ? AND event_id = ?',
    )
    .pluck();
  // One statement, one snapshot: a healthy store's last seq equals its head row's in every snapshot.
  const headSnapshot = db.prepare<[string, string], HeadSnapshot>(
    `SELECT (SELECT seq FROM chain_head WHERE workspace_id = ?) AS headSeq,
            (SELECT max(seq) FROM event_log WHERE workspace_id = ?) AS lastSeq`,
  );
  const nextSeq = db
    .prepare<[string, number], number | null>(
      'SELECT min(seq) FROM event_log WHERE workspace_id = ? AND seq > ?',
    )
    .pluck();

  async function* pages(workspaceId: string): AsyncGenerator<readonly VerifiableEvent[]> {
    let afterSeq = 0;
    for (;;) {
      let rows = verifyPage.all(workspaceId, afterSeq, afterSeq + VERIFY_PAGE_SIZE);
      if (rows.length === 0) {
        // A hole of a whole page (rows deleted): continue at the next row, for the verifier to name the gap.
        const next = nextSeq.get(workspaceId, afterSeq);
        if (next === null || next === undefined) return;
        afterSeq = next - 1;
        rows = verifyPage.all(workspaceId, afterSeq, afterSeq + VERIFY_PAGE_SIZE);
      }
      yield rows.map((r) => ({
        seq: r.seq,
        eventType: r.event_type,
        prevHash: r.prev_hash.toString('hex'),
        hash: r.hash.toString('hex'),
        payloadCanonical: r.payload_canonical,
        hashVersion: r.hash_version,
        ...(r.payload_canonical.includes('\ufffd')
          ? { payloadBytes: payloadBytes.get(workspaceId, r.seq, r.event_id) ?? Buffer.alloc(0) }
          : {}),
      }));
      afterSeq += VERIFY_PAGE_SIZE;
      // A long chain must not hold the event loop for its whole length.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  return {
    read(workspaceId, options) {
      const { afterSeq, limit, eventTypePrefix } = parseReadOptions(options);
      try {
        return page
          .all(workspaceId, afterSeq, eventTypePrefix.length, eventTypePrefix, limit)
          .map((r) => rowToEvent(workspaceId, r));
      } catch (err) {
        throw toChainStoreError(err, 'read');
      }
    },

    workspaces() {
      try {
        return listWorkspaces.all();
      } catch (err) {
        throw toChainStoreError(err, 'read');
      }
    },

    async verify(workspaceId) {
      // The head row is read before the chain: an append landing in between only lengthens the chain.
      const headRow = head.get(workspaceId);
      if (headRow === undefined && anyRow.get(workspaceId) === undefined)
        return unknownWorkspace(workspaceId);
      // The shared verifier checks the recomputed hash at the head row's seq, and a cut tail.
      const anchor =
        headRow !== undefined && headRow.seq > 0
          ? { head: { seq: headRow.seq, hash: headRow.head_hash.toString('hex') } }
          : {};
      const result = await verifyChainPages(workspaceId, pages(workspaceId), anchor);
      return checkPastHead(result, headSnapshot.get(workspaceId, workspaceId) as HeadSnapshot);
    },
  };
}
