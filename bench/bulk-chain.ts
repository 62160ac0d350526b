/*
 * Builds a long chain fast for the benchmarks: rows hashed here with the shared chain format and written
 * straight into the store's SQLite file in one transaction (what a million appends through the runtime
 * would take minutes to produce). The file is a normal opstate store: it verifies, and it resumes.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { canonicalPayload } from '../src/store/chain/canonical-json.js';
import { chainHash, genesisHash, HASH_VERSION } from '../src/store/chain/hash.js';
import { GENERIC_TRANSITION_EVENT } from '../src/domain/vocabulary.js';
import { openSqliteChainStore } from '../src/store/sqlite/sqlite-store.js';

export interface BulkChain {
  readonly length: number;
  /** The chain hash at every seq in `keep` (for checkpoints). */
  readonly hashes: ReadonlyMap<number, string>;
}

/**
 * Writes `length` transition events (ready/active toggles, the last one a pause) for `workspaceId` into
 * `file` (created and migrated first); returns the hashes at the seqs asked for.
 */
export async function buildSqliteChain(
  file: string,
  workspaceId: string,
  length: number,
  keep: readonly number[] = [],
): Promise<BulkChain> {
  await (await openSqliteChainStore({ file })).close();
  const db = new Database(file);
  db.pragma('synchronous = OFF');
  const insert = db.prepare(
    `INSERT INTO event_log (workspace_id, seq, event_id, event_type, payload_canonical, correlation_id,
                            idempotency_key, prev_hash, hash, hash_version, recorded_at)
     VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)`,
  );
  const wanted = new Set(keep);
  const hashes = new Map<number, string>();
  const at = new Date().toISOString();
  const payloads = ['ready', 'active'].map((to, i) =>
    canonicalPayload({
      from_primary_state: i === 0 ? 'active' : 'ready',
      to_primary_state: to,
      claim_permission: 'normal',
      degradation_reasons: [],
      trigger: i === 0 ? 'claim released' : 'claim acquired',
    }),
  );
  const paused = canonicalPayload({
    from_primary_state: 'active',
    to_primary_state: 'paused',
    claim_permission: 'none',
    degradation_reasons: ['operator'],
    trigger: 'operator',
  });
  let prev = genesisHash(workspaceId);
  db.transaction(() => {
    for (let seq = 1; seq <= length; seq++) {
      const text = seq === length ? paused : (payloads[seq % 2] as string);
      const hash = chainHash(prev, seq, GENERIC_TRANSITION_EVENT, text);
      insert.run(
        workspaceId,
        seq,
        randomUUID(),
        GENERIC_TRANSITION_EVENT,
        text,
        Buffer.from(prev, 'hex'),
        Buffer.from(hash, 'hex'),
        HASH_VERSION,
        at,
      );
      if (wanted.has(seq)) hashes.set(seq, hash);
      prev = hash;
    }
    db.prepare('INSERT INTO chain_head (workspace_id, seq, head_hash, updated_at) VALUES (?, ?, ?, ?)').run(
      workspaceId,
      length,
      Buffer.from(prev, 'hex'),
      at,
    );
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { length, hashes };
}
