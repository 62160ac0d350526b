import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { ChainStoreError } from '../../errors.js';
import { acquireDirLock, type DirLock } from './dir-lock.js';
import type { Queryable, SqlEngine } from '../postgres/queryable.js';
import { closeOnSignals } from '../postgres/signals.js';
import { createSqlChainStore, type SqlChainStore } from '../postgres/sql-chain-store.js';

export interface PgliteChainStoreOptions {
  /**
   * Where the database lives. Omitted: in memory, gone on close. Given: persisted there, and locked
   * exclusively (a `<dataDir>.opstate.lock` file) for as long as the store is open.
   */
  readonly dataDir?: string;
  /** Close the store cleanly on SIGINT/SIGTERM (default true). */
  readonly closeOnSignals?: boolean;
}

export interface PgliteChainStore extends SqlChainStore {
  /** The PGlite instance, for queries of your own (it is a single connection: keep transactions short). */
  readonly db: PGlite;
  /** The data directory, or null in memory. */
  readonly dataDir: string | null;
}

function queryable(db: PGlite | Transaction): Queryable {
  return {
    async query<R>(text: string, params: readonly unknown[] = []) {
      return (await db.query<R>(text, params as unknown[])).rows;
    },
    async exec(text: string) {
      await db.exec(text);
    },
  };
}

/**
 * Opens the embedded chain store: PostgreSQL compiled to WASM, in this process, no server. Migrations run
 * on open. Durability: PGlite runs PostgreSQL with fsync off, so an acknowledged append survives a crash
 * of this process (it is in the OS page cache) but may be lost if the operating system crashes or power
 * fails. Use the PostgreSQL store where that matters.
 */
export async function openPgliteChainStore(options: PgliteChainStoreOptions = {}): Promise<PgliteChainStore> {
  const dataDir = options.dataDir ?? null;
  if (dataDir !== null && (typeof dataDir !== 'string' || dataDir.length === 0)) {
    throw new ChainStoreError(
      'invalid_input',
      `dataDir must be a non-empty path, got ${JSON.stringify(dataDir)}`,
    );
  }
  let lock: DirLock | null = null;
  if (dataDir !== null) {
    lock = acquireDirLock(dataDir);
    mkdirSync(dataDir, { recursive: true });
  }
  let db: PGlite;
  try {
    db = dataDir === null ? await PGlite.create() : await PGlite.create(dataDir);
  } catch (err) {
    lock?.release();
    throw new ChainStoreError(
      'unavailable',
      `PGlite could not open ${dataDir ?? 'in memory'}: ${String(err)}`,
      {
        cause: err,
      },
    );
  }

  const engine: SqlEngine = {
    name: 'PGlite',
    db: queryable(db),
    transaction: (fn) => db.transaction((tx) => fn(queryable(tx))),
  };
  let unregister = () => {};
  const store = createSqlChainStore(engine, async () => {
    unregister();
    try {
      await db.close();
    } finally {
      lock?.release();
    }
  });
  if (options.closeOnSignals !== false) unregister = closeOnSignals(() => store.close());

  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  return Object.assign(store, { db, dataDir });
}
