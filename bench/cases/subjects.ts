import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';
import { poolOf } from '../../src/store/postgres/pool-registry.js';
import { openPostgresChainStore, type PostgresChainStore } from '../../src/store/postgres/postgres-store.js';
import type { ChainStore } from '../../src/store/chain/types.js';

/**
 * One database under test: the chain store, plus raw SQL on the same database for the baselines (a
 * plain table with no chain, no hash, no head row: what the hardware and the engine allow).
 */
export interface Subject {
  readonly label: 'SQLite' | 'PostgreSQL';
  readonly store: ChainStore;
  /** Autocommit single-row INSERT into the plain table. */
  insertOne(payload: string): Promise<void>;
  /** One autocommit multi-row INSERT of all `payloads`. */
  insertMany(payloads: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

const RAW_TABLE = `CREATE TABLE IF NOT EXISTS public.opstate_bench_raw (
  id bigserial PRIMARY KEY, workspace_id text NOT NULL, payload text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp())`;
const INSERT_ONE = 'INSERT INTO public.opstate_bench_raw (workspace_id, payload) VALUES ($1, $2)';
const INSERT_MANY =
  'INSERT INTO public.opstate_bench_raw (workspace_id, payload) SELECT $1, p FROM unnest($2::text[]) AS p';

export const PG_URL = process.env.OPSTATE_PG_URL ?? null;
export const NO_PG = 'OPSTATE_PG_URL is not set (see docs/performance.md)';

/**
 * The SQLite store on a new file in a fresh temp dir (the embedded store as an agent uses it), and a
 * second connection on the same file with the same pragmas (WAL, synchronous=FULL) for the raw baseline.
 */
export async function openSqliteSubject(): Promise<Subject> {
  const dir = mkdtempSync(join(tmpdir(), 'opstate-bench-'));
  const file = join(dir, 'chain.db');
  const store = await openSqliteChainStore({ file });
  const raw = new Database(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.exec(`CREATE TABLE IF NOT EXISTS bench_raw (
    id INTEGER PRIMARY KEY, workspace_id TEXT NOT NULL, payload TEXT NOT NULL, recorded_at TEXT NOT NULL) STRICT`);
  const insert = raw.prepare<[string, string, string]>(
    'INSERT INTO bench_raw (workspace_id, payload, recorded_at) VALUES (?, ?, ?)',
  );
  const insertMany = raw.transaction((payloads: readonly string[]) => {
    const at = new Date().toISOString();
    for (const p of payloads) insert.run('bench', p, at);
  });
  return {
    label: 'SQLite',
    store,
    async insertOne(payload) {
      insert.run('bench', payload, new Date().toISOString());
    },
    async insertMany(payloads) {
      insertMany.immediate(payloads);
    },
    async close() {
      raw.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** PostgreSQL at OPSTATE_PG_URL, with a pool big enough for the 8-runtime cases. */
export async function openPostgresSubject(url: string): Promise<Subject> {
  const store: PostgresChainStore = await openPostgresChainStore({
    connectionString: url,
    maxConnections: 8,
  });
  await poolOf(store).query(RAW_TABLE);
  return {
    label: 'PostgreSQL',
    store,
    async insertOne(payload) {
      await poolOf(store).query(INSERT_ONE, ['bench', payload]);
    },
    async insertMany(payloads) {
      await poolOf(store).query(INSERT_MANY, ['bench', payloads]);
    },
    async close() {
      await store.close();
    },
  };
}

/** A payload shaped like a transition's canonical payload, so the raw rows weigh what chain rows do. */
export function rawPayload(i: number): string {
  return JSON.stringify({
    claim_permission: 'normal',
    degradation_reasons: [],
    from_primary_state: 'ready',
    to_primary_state: 'ready',
    trigger: `posture update #${i}`,
  });
}
