import type pg from 'pg';
import type { StoreChange } from '../chain/types.js';
import type { VerifiableEvent } from '../chain/verify.js';
import { ChainStoreError } from '../../errors.js';
import { copyChain } from './copy-chain.js';
import { type PostgresChainStoreOptions, resolveOptions } from './options.js';
import { createStorePool, type StorePool } from './pool.js';
import { registerPool } from './pool-registry.js';
import type { SqlEngine } from './queryable.js';
import { assertSchemaCurrent } from './schema-state.js';
import { createSqlChainStore, type SqlChainStore } from './sql-chain-store.js';
import { createPgWatcher } from './watch-mode.js';
import { markStoreKind } from '../store-kind.js';

export type { PostgresChainStoreOptions } from './options.js';

/** The PostgreSQL chain store: a ChainStore with `migrate()`, `watch()` and raw queries of your own. */
export interface PostgresChainStore extends SqlChainStore {
  /**
   * Calls `onChange` after every append by any process: LISTEN on a dedicated connection, or polling
   * the head table when the only connection goes through a pooler (see `watchMode()`).
   */
  watch(onChange: (change: StoreChange) => void): () => void;
  /**
   * `push` (LISTEN on a direct connection) or `poll` (behind a transaction-pooling PgBouncer without a
   * `listenConnectionString`), with the interval and the reason.
   */
  watchMode(): { readonly kind: 'push' | 'poll'; readonly intervalMs?: number; readonly detail: string };
  /** Runs one parameterized statement on the store's pool (with its timeouts) and returns the rows. */
  query(text: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
}

/** A URL safe to print: the password replaced. */
function label(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the PostgreSQL database';
  }
}

/**
 * Opens the chain store on a PostgreSQL 15+ server. Every append is one call of the server-side
 * `opstate.chain_append()` (one statement per batch), so any number of processes on any number of
 * machines may append to one workspace without forking its chain. Durability is the server's (fsync on
 * by default). Verify streams the chain with binary COPY in constant memory.
 *
 * Opening with `migrate: 'check'` writes nothing: a role with SELECT only can read and verify, and a
 * missing or outdated schema is refused with a `ChainStoreError` of kind `migration`.
 */
export async function openPostgresChainStore(
  options: PostgresChainStoreOptions,
): Promise<PostgresChainStore> {
  const o = resolveOptions(options);
  const sp: StorePool = createStorePool(o);
  const where = label(o.connectionString);
  const watcher = createPgWatcher(sp, o);

  const engine: SqlEngine = {
    name: 'PostgreSQL',
    db: sp.db,
    transaction: sp.transaction,
    streamChain: (workspaceId) => streamOnClient(sp, workspaceId, o.queryTimeoutMs),
    watch: (onChange) => watcher.watch(onChange),
  };
  const store = createSqlChainStore(engine, () => sp.end()) as SqlChainStore;
  const full = Object.assign(store, {
    watchMode: () => watcher.mode(),
    query: (text: string, params: readonly unknown[] = []) =>
      sp.db.query<Record<string, unknown>>(text, params).catch((err: unknown) => {
        throw err instanceof ChainStoreError ? err : toUnavailable(err, where);
      }),
  }) as PostgresChainStore;
  registerPool(full, sp.pool);
  markStoreKind(full, 'postgres');

  try {
    if (o.migrate === true) await store.migrate();
    else if (o.migrate === 'check') await assertSchemaCurrent(sp.db, where);
    // Already connected: whether this goes through a pooler costs one more statement, and lets
    // watchMode() answer before any watch starts.
    if (o.migrate !== false) await watcher.detect();
  } catch (err) {
    await store.close();
    throw err instanceof ChainStoreError
      ? err
      : toUnavailable(
          err,
          where,
          isConnectFailure(err) ? 'connection' : o.migrate === true ? 'migration' : 'open',
        );
  }
  return full;
}

/**
 * The server was not reached or let go before answering: a system error (`ECONNREFUSED`, `ENOTFOUND`,
 * …) or the driver's own connect timeout or termination, as opposed to a statement the server refused
 * (which carries a five-character SQLSTATE).
 */
function isConnectFailure(err: unknown): boolean {
  const { code, message } = (typeof err === 'object' && err !== null ? err : {}) as {
    code?: unknown;
    message?: unknown;
  };
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return true;
  return (
    typeof message === 'string' && /connection timeout|connection terminated|timeout expired/i.test(message)
  );
}

function toUnavailable(err: unknown, where: string, during = 'query'): ChainStoreError {
  const message = err instanceof Error ? err.message : String(err);
  return new ChainStoreError('unavailable', `PostgreSQL ${during} failed at ${where}: ${message}`, {
    cause: err,
  });
}

/**
 * Checks out a client, streams the chain over it, and hands the client back: healthy when the COPY ran
 * to its end, destroyed otherwise.
 */
async function* streamOnClient(
  sp: StorePool,
  workspaceId: string,
  silenceMs: number,
): AsyncGenerator<readonly VerifiableEvent[]> {
  let release: (() => void) | undefined;
  let fail: ((err: unknown) => void) | undefined;
  let client: pg.PoolClient | undefined;
  let discard: (() => void) | undefined;
  const checkedOut = new Promise<void>((resolve, reject) => {
    const held = sp.withClient(
      (c, d) =>
        new Promise<void>((done, failed) => {
          client = c;
          discard = d;
          release = done;
          fail = failed;
          resolve();
        }),
    );
    held.catch(reject);
  });
  await checkedOut;
  let finished = false;
  try {
    for await (const page of copyChain(client as pg.PoolClient, workspaceId, silenceMs)) yield page;
    // The COPY stream ends at CopyDone, before the server's ReadyForQuery: a statement queued behind it
    // returns only once the connection is idle again, so it goes back to the pool clean.
    await (client as pg.PoolClient).query('SELECT 1');
    finished = true;
  } catch (err) {
    fail?.(err);
    throw err;
  } finally {
    if (!finished) discard?.();
    release?.();
  }
}
