import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgliteChainStore, type PgliteChainStore } from '../../src/store/pglite/pglite-store.js';
import { poolOf } from '../../src/store/postgres/pool-registry.js';
import { openPostgresChainStore, type PostgresChainStore } from '../../src/store/postgres/postgres-store.js';
import type { ChainStore } from '../../src/store/chain/types.js';

/**
 * One database under test: the chain store, plus raw SQL on the same database for the baselines (a
 * plain table with no chain, no hash, no head row: what the hardware and the engine allow).
 */
export interface Subject {
  readonly label: 'PGlite' | 'PostgreSQL';
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
export const NO_PG = 'OPSTATE_PG_URL is not set (see the README, "Performance")';

/** PGlite on a data directory in a fresh temp dir (the embedded store as an application would use it). */
export async function openPgliteSubject(): Promise<Subject> {
  const dir = mkdtempSync(join(tmpdir(), 'opstate-bench-'));
  const store: PgliteChainStore = await openPgliteChainStore({ dataDir: join(dir, 'chain') });
  await store.db.exec(RAW_TABLE);
  return {
    label: 'PGlite',
    store,
    async insertOne(payload) {
      await store.db.query(INSERT_ONE, ['bench', payload]);
    },
    async insertMany(payloads) {
      await store.db.query(INSERT_MANY, ['bench', payloads]);
    },
    async close() {
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
