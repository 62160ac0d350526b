import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { inject } from 'vitest';
import { poolOf } from '../../src/store/postgres/pool-registry.js';
import {
  type ChainStore,
  createMemoryChainStore,
  openPostgresChainStore,
  openSqliteChainStore,
  type PostgresChainStore,
  type SqliteChainStore,
} from '../../src/index.js';

/** The PostgreSQL URL the global setup found or started, or null (then `[postgres]` tests skip). */
export const PG_URL: string | null = inject('pgUrl');
/** The server itself: PG_URL, unless the run goes through PgBouncer (OPSTATE_TEST_VIA_PGBOUNCER=1). */
export const PG_DIRECT_URL: string | null = inject('pgDirectUrl');
/** A transaction-pooling PgBouncer in front of the test server, or null. */
export const PGBOUNCER_URL: string | null = inject('pgbouncerUrl');

/** `url` (any database) on the server itself instead of through PgBouncer. */
export function directUrl(url: string): string {
  if (PG_DIRECT_URL === null) return url;
  const direct = new URL(PG_DIRECT_URL);
  const u = new URL(url);
  u.host = direct.host;
  return u.toString();
}

/** For a store that must LISTEN (watch): a direct connection when PG_URL is pooled. */
export function listenOption(url: string): { listenConnectionString?: string } {
  return PG_URL === PG_DIRECT_URL ? {} : { listenConnectionString: directUrl(url) };
}

/** A fresh workspace id per test, so files and tests can share one database. */
export function freshWorkspace(label = 'ws'): string {
  return `${label}-${randomUUID()}`;
}

/** Runs SQL as the superuser, bypassing the append-only trigger: how the tamper tests edit history. */
export type RawSql = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

export interface Engine {
  readonly name: 'memory' | 'sqlite' | 'sqlite (writer thread)' | 'postgres';
  readonly available: boolean;
  open(): Promise<ChainStore>;
}

/**
 * Runs statements in one transaction with `session_replication_role = replica`, which (for a superuser)
 * silences the append-only trigger: an attacker with full database access editing history.
 */
export type Tamper = (statements: string[]) => Promise<void>;

export type SqlStoreUnderTest = PostgresChainStore & { raw: RawSql; tamper: Tamper };

export interface SqlEngineUnderTest {
  readonly name: 'postgres';
  readonly available: boolean;
  open(): Promise<SqlStoreUnderTest>;
  /** A store on a database no other test uses, for destructive DDL. */
  openPrivate(): Promise<SqlStoreUnderTest>;
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

export function rawPostgres(pool: pg.Pool): RawSql {
  return async (text, params = []) => (await pool.query(text, params)).rows as Record<string, unknown>[];
}

export const sqlEngines: readonly SqlEngineUnderTest[] = [
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
  { name: 'sqlite', available: true, open: () => openSqliteChainStore({ file: freshSqliteFile() }) },
  {
    name: 'sqlite (writer thread)',
    available: true,
    open: () => openSqliteChainStore({ file: freshSqliteFile(), writer: 'worker' }),
  },
  ...sqlEngines,
];

/** One temporary directory per test file for its SQLite files. */
let sqliteDir: string | null = null;

/** A path for a new SQLite store file (not created yet). */
export function freshSqliteFile(label = 'chain'): string {
  sqliteDir ??= mkdtempSync(join(tmpdir(), 'opstate-sqlite-'));
  return join(sqliteDir, `${label}-${randomUUID()}.db`);
}

/** One SQLite store per test file (tests use distinct workspaces), like a long-running agent's. */
let sharedSqlite: Promise<SqliteChainStore> | null = null;
export function sharedSqliteStore(): Promise<SqliteChainStore> {
  sharedSqlite ??= openSqliteChainStore({ file: freshSqliteFile('shared') });
  return sharedSqlite;
}

/** A SQLite store with a second, raw connection on its file: SQL as whoever can write the file. */
export type SqliteStoreUnderTest = SqliteChainStore & {
  /** Runs one statement on the raw connection; rows for a query, [] otherwise. */
  raw(sql: string, params?: unknown[]): Record<string, unknown>[];
  /**
   * Runs statements in one transaction with the append-only triggers dropped (and restored after): an
   * attacker with write access to the file editing history.
   */
  tamper(statements: string[]): void;
  rawDb: Database.Database;
};

export async function openSqliteUnderTest(): Promise<SqliteStoreUnderTest> {
  const store = await openSqliteChainStore({ file: freshSqliteFile() });
  const rawDb = new Database(store.file);
  rawDb.pragma('foreign_keys = ON');
  const raw = (sql: string, params: unknown[] = []) => {
    const stmt = rawDb.prepare(sql);
    return stmt.reader ? (stmt.all(...params) as Record<string, unknown>[]) : (stmt.run(...params), []);
  };
  const triggers = rawDb
    .prepare<[], string>("SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'event_log'")
    .pluck()
    .all();
  const tamper = rawDb.transaction((statements: string[]) => {
    rawDb.exec('DROP TRIGGER event_log_no_update; DROP TRIGGER event_log_no_delete;');
    for (const s of statements) rawDb.exec(s);
    for (const t of triggers) rawDb.exec(t);
  });
  const close = store.close.bind(store);
  return Object.assign(store, {
    raw,
    tamper: (statements: string[]) => tamper.immediate(statements),
    rawDb,
    close: async () => {
      rawDb.close();
      await close();
    },
  });
}

export { pg };
