import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
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

export interface SqlEngineUnderTest {
  readonly name: 'pglite' | 'postgres';
  readonly available: boolean;
  open(): Promise<(PgliteChainStore | PostgresChainStore) & { raw: RawSql }>;
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
        close: async () => {},
      });
    },
  },
  {
    name: 'postgres',
    available: PG_URL !== null,
    async open() {
      const store = await openPostgresChainStore({ connectionString: PG_URL ?? '' });
      return Object.assign(store, { raw: rawPostgres(store.pool) });
    },
  },
];

export const engines: readonly Engine[] = [
  { name: 'memory', available: true, open: async () => createMemoryChainStore() },
  ...sqlEngines,
];

export { pg };
