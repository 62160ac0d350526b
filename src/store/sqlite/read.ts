import type { ChainEvent, ReadOptions, VerifyResult } from '../chain/types.js';
import { parseReadOptions } from '../chain/validate.js';
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
  // Keyset on (seq, event_id): rows sharing a seq (a fork planted by someone who rebuilt the table without
  // its primary key) come out one after the other, so the verifier can name the fork.
  const verifyPage = db.prepare<[string, number, number, string, number], VerifyRow>(
    `SELECT seq, event_id, event_type, payload_canonical, prev_hash, hash FROM event_log
      WHERE workspace_id = ? AND (seq > ? OR (seq = ? AND event_id > ?))
      ORDER BY seq, event_id LIMIT ?`,
  );

  async function* pages(workspaceId: string): AsyncGenerator<readonly VerifiableEvent[]> {
    let afterSeq = 0;
    let afterId = '';
    for (;;) {
      const rows = verifyPage.all(workspaceId, afterSeq, afterSeq, afterId, VERIFY_PAGE_SIZE);
      yield rows.map((r) => ({
        seq: r.seq,
        eventType: r.event_type,
        prevHash: r.prev_hash.toString('hex'),
        hash: r.hash.toString('hex'),
        payloadCanonical: r.payload_canonical,
      }));
      const last = rows.at(-1);
      if (last === undefined || rows.length < VERIFY_PAGE_SIZE) return;
      afterSeq = last.seq;
      afterId = last.event_id;
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
      const result = await verifyChainPages(workspaceId, pages(workspaceId));
      if (!result.ok || headRow === undefined) return result;
      return checkHead(result, headRow.seq, headRow.head_hash.toString('hex'));
    },
  };
}

/** The chain itself cannot see a cut tail; the head row, written by the same transactions, can. */
function checkHead(result: VerifyResult & { ok: true }, headSeq: number, headHash: string): VerifyResult {
  if (headSeq > result.length) {
    return {
      ok: false,
      length: result.length,
      firstDivergence: {
        seq: result.length + 1,
        kind: 'gap',
        detail: `the chain ends at seq ${result.length} but its head row records seq ${headSeq}: events were removed from the tail`,
      },
    };
  }
  if (headSeq === result.length && headHash !== result.headHash) {
    return {
      ok: false,
      length: Math.max(0, result.length - 1),
      firstDivergence: {
        seq: result.length,
        kind: 'hash_mismatch',
        detail: `recomputed head ${result.headHash} differs from the head row's ${headHash}`,
      },
    };
  }
  return result;
}
