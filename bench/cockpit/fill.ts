/*
 * Builds a fleet fast: valid hash chains computed here and bulk-inserted straight into the tables (one
 * transaction on SQLite, array inserts on PostgreSQL), instead of one append per workspace. Every chain
 * verifies: the rows are exactly what the stores' own appends would write.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { GENERIC_TRANSITION_EVENT } from '../../src/domain/vocabulary.js';
import { canonicalPayload } from '../../src/store/chain/canonical-json.js';
import { chainHash, genesisHash } from '../../src/store/chain/hash.js';
import { openPostgresChainStore } from '../../src/store/postgres/postgres-store.js';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';

export interface FilledRow {
  readonly workspaceId: string;
  readonly seq: number;
  readonly eventType: string;
  readonly payload: string;
  readonly prevHash: string;
  readonly hash: string;
  readonly recordedAt: string;
}

/** `ws-000042`: sorted ids, as wide as the fleet needs. */
export const fleetId = (i: number, workspaces: number) =>
  `ws-${String(i).padStart(Math.max(4, String(workspaces - 1).length), '0')}`;

/** One workspace's chain: booting → ready, then ready ⇄ active, one in seven ending paused. */
export function fleetChain(workspaceId: string, events: number, index: number, now: number): FilledRow[] {
  const rows: FilledRow[] = [];
  let prev = genesisHash(workspaceId);
  let from = 'booting';
  for (let seq = 1; seq <= events; seq += 1) {
    const to =
      seq === 1 ? 'ready' : seq === events && index % 7 === 0 ? 'paused' : seq % 2 === 0 ? 'active' : 'ready';
    const payload = canonicalPayload({
      from_primary_state: from,
      to_primary_state: to,
      claim_permission: 'normal',
      degradation_reasons: to === 'paused' ? ['cost'] : [],
      trigger: `step ${seq}`,
    });
    const hash = chainHash(prev, seq, GENERIC_TRANSITION_EVENT, payload);
    const at = new Date(now - (events - seq) * 60_000 - (index % 3600) * 1000).toISOString();
    rows.push({
      workspaceId,
      seq,
      eventType: GENERIC_TRANSITION_EVENT,
      payload,
      prevHash: prev,
      hash,
      recordedAt: at,
    });
    prev = hash;
    from = to;
  }
  return rows;
}

/** Fills (or creates) a SQLite store file with `workspaces` chains of `events` transitions each. */
export async function fillSqliteFleet(file: string, workspaces: number, events: number): Promise<void> {
  await (await openSqliteChainStore({ file })).close();
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    const insert = db.prepare(
      `INSERT INTO event_log (workspace_id, seq, event_id, event_type, payload_canonical, prev_hash, hash,
                              hash_version, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)`,
    );
    const head = db.prepare(
      'INSERT INTO chain_head (workspace_id, seq, head_hash, updated_at) VALUES (?, ?, ?, ?)',
    );
    const now = Date.now();
    const fill = db.transaction((from: number, to: number) => {
      for (let w = from; w < to; w += 1) {
        const rows = fleetChain(fleetId(w, workspaces), events, w, now);
        for (const r of rows) {
          insert.run(
            r.workspaceId,
            r.seq,
            randomUUID(),
            r.eventType,
            r.payload,
            Buffer.from(r.prevHash, 'hex'),
            Buffer.from(r.hash, 'hex'),
            r.recordedAt,
          );
        }
        const last = rows[rows.length - 1]!;
        head.run(last.workspaceId, last.seq, Buffer.from(last.hash, 'hex'), last.recordedAt);
      }
    });
    for (let w = 0; w < workspaces; w += 10_000) fill(w, Math.min(workspaces, w + 10_000));
  } finally {
    db.close();
  }
}

/** Fills (and migrates) a PostgreSQL database with `workspaces` chains of `events` transitions each. */
export async function fillPostgresFleet(url: string, workspaces: number, events: number): Promise<void> {
  await (await openPostgresChainStore({ connectionString: url })).close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const now = Date.now();
    const BATCH = 5_000;
    for (let w = 0; w < workspaces; w += BATCH) {
      const rows: FilledRow[] = [];
      const heads: FilledRow[] = [];
      for (let i = w; i < Math.min(workspaces, w + BATCH); i += 1) {
        const chain = fleetChain(fleetId(i, workspaces), events, i, now);
        rows.push(...chain);
        heads.push(chain[chain.length - 1]!);
      }
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO opstate.event_log (workspace_id, seq, event_type, payload_canonical, prev_hash, hash,
                                        hash_version, recorded_at)
         SELECT ws, seq, et, p, decode(ph, 'hex'), decode(h, 'hex'), 1, at
           FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
             AS u(ws, seq, et, p, ph, h, at)`,
        [
          rows.map((r) => r.workspaceId),
          rows.map((r) => r.seq),
          rows.map((r) => r.eventType),
          rows.map((r) => r.payload),
          rows.map((r) => r.prevHash),
          rows.map((r) => r.hash),
          rows.map((r) => r.recordedAt),
        ],
      );
      await client.query(
        `INSERT INTO opstate.chain_head (workspace_id, seq, head_hash, updated_at)
         SELECT ws, seq, decode(h, 'hex'), at FROM unnest($1::text[], $2::bigint[], $3::text[], $4::timestamptz[])
           AS u(ws, seq, h, at)`,
        [
          heads.map((r) => r.workspaceId),
          heads.map((r) => r.seq),
          heads.map((r) => r.hash),
          heads.map((r) => r.recordedAt),
        ],
      );
      await client.query('COMMIT');
    }
    await client.query('ANALYZE opstate.event_log');
    await client.query('ANALYZE opstate.chain_head');
  } finally {
    await client.end();
  }
}
