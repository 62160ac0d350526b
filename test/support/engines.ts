import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { poolOf } from '../../src/store/postgres/pool-registry.js';
import {
  type ChainStore,
  createMemoryChainStore,
  openPgliteChainStore,
  openPostgresChainStore,
  type PgliteChainStore,
  type PostgresChainStore,
} from '../../src/index.js';

/** The PostgreSQL URL the global setup found or started, or null (then `[postgres]` tests skip). */
export const PG_URL: string | null = inject('pgUrl');

/** A fresh workspace id per test, so files and tests can share one database. */
export function freshWorkspace(label = 'ws'): string {
  return `${label}-${randomUUID()}`;
}

/** Runs SQL as the superuser, bypassing the append-only trigger: how the tamper tests edit history. */
export type RawSql = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

export interface Engine {
  readonly name: 'memory' | 'pglite' | 'postgres';
  readonly available: boolean;
  open(): Promise<ChainStore>;
}

/**
 * Runs statements in one transaction with `session_replication_role = replica`, which (for a superuser)
 * silences the append-only trigger: an attacker with full database access editing history.
 */
export type Tamper = (statements: string[]) => Promise<void>;

export type SqlStoreUnderTest = (PgliteChainStore | PostgresChainStore) & { raw: RawSql; tamper: Tamper };

export interface SqlEngineUnderTest {
  readonly name: 'pglite' | 'postgres';
  readonly available: boolean;
  open(): Promise<SqlStoreUnderTest>;
  /** A store on a database no other test uses, for destructive DDL. */
  openPrivate(): Promise<SqlStoreUnderTest>;
}

function tamperPglite(store: PgliteChainStore): Tamper {
  return async (statements) => {
    await store.db.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      for (const s of statements) await tx.query(s);
    });
  };
}

function tamperPostgres(pool: pg.Pool): Tamper {
  return async (statements) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL session_replication_role = replica');
      for (const s of statements) await client.query(s);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    } finally {
      client.release();
    }
  };
}

/** Creates a new database on the test server and returns its URL. */
export async function privateDatabaseUrl(): Promise<string> {
  if (PG_URL === null) throw new Error('no PostgreSQL for this test');
  const name = `opstate_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** One PGlite per test file: creating one costs seconds (initdb), and tests use distinct workspaces. */
let sharedPglite: Promise<PgliteChainStore> | null = null;
export function sharedPgliteStore(): Promise<PgliteChainStore> {
  sharedPglite ??= openPgliteChainStore({ closeOnSignals: false });
  return sharedPglite;
}

export function rawPglite(store: PgliteChainStore): RawSql {
  return async (text, params = []) => (await store.db.query<Record<string, unknown>>(text, params)).rows;
}

export function rawPostgres(pool: pg.Pool): RawSql {
  return async (text, params = []) => (await pool.query(text, params)).rows as Record<string, unknown>[];
}

export const sqlEngines: readonly SqlEngineUnderTest[] = [
  {
    name: 'pglite',
    available: true,
    async open() {
      const store = await sharedPgliteStore();
      // Shared: closing is a no-op here; the worker's exit takes it down.
      return Object.assign(Object.create(store) as PgliteChainStore, {
        raw: rawPglite(store),
        tamper: tamperPglite(store),
        close: async () => {},
      });
    },
    async openPrivate() {
      const store = await openPgliteChainStore({ closeOnSignals: false });
      return Object.assign(store, { raw: rawPglite(store), tamper: tamperPglite(store) });
    },
  },
  {
    name: 'postgres',
    available: PG_URL !== null,
    async open() {
      const store = await openPostgresChainStore({ connectionString: PG_URL ?? '' });
      return Object.assign(store, { raw: rawPostgres(poolOf(store)), tamper: tamperPostgres(poolOf(store)) });
    },
    async openPrivate() {
      const store = await openPostgresChainStore({ connectionString: await privateDatabaseUrl() });
      return Object.assign(store, { raw: rawPostgres(poolOf(store)), tamper: tamperPostgres(poolOf(store)) });
    },
  },
];

export const engines: readonly Engine[] = [
  { name: 'memory', available: true, open: async () => createMemoryChainStore() },
  ...sqlEngines,
];

export { pg };
