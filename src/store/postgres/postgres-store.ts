import pg from 'pg';
import { ChainStoreError } from '../../errors.js';
import type { Queryable, SqlEngine } from './queryable.js';
import { createSqlChainStore, type SqlChainStore } from './sql-chain-store.js';

export type PostgresChainStoreOptions = (
  | {
      /** `postgres://user:pass@host:port/db`; the store creates and owns a pool. */
      readonly connectionString: string;
      /** Connections in the owned pool (default 4). */
      readonly maxConnections?: number;
    }
  | {
      /**
       * @internal A pool you own: the store uses it and never ends it. Internal (stripped from the
       * published declarations) because its type is `@types/pg`, which consumers do not install.
       */
      readonly pool: pg.Pool;
    }
) & {
  /** Apply pending migrations on open (default true). `migrate()` is always available. */
  readonly migrate?: boolean;
};

export interface PostgresChainStore extends SqlChainStore {
  /** @internal The store's pool (its type is `@types/pg`'s, so it stays out of the published declarations). */
  readonly pool: pg.Pool;
}

function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R>(text: string, params: readonly unknown[] = []) {
      return (await client.query(text, params as unknown[])).rows as R[];
    },
    async exec(text: string) {
      // Without parameters pg uses the simple protocol, which runs a whole script.
      await client.query(text);
    },
  };
}

/**
 * Opens the chain store on a PostgreSQL 15+ server through a `pg` pool. Every append is one call of the
 * server-side `opstate.chain_append()`, so any number of processes and pools may append to one workspace
 * concurrently without forking its chain. Durability is the server's (fsync on by default).
 */
export async function openPostgresChainStore(
  options: PostgresChainStoreOptions,
): Promise<PostgresChainStore> {
  if (typeof options !== 'object' || options === null) {
    throw new ChainStoreError('invalid_input', 'expected { connectionString } or { pool }');
  }
  let pool: pg.Pool;
  let owned: boolean;
  if ('pool' in options && options.pool !== undefined) {
    pool = options.pool;
    owned = false;
  } else if ('connectionString' in options && typeof options.connectionString === 'string') {
    pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 4 });
    owned = true;
  } else {
    throw new ChainStoreError('invalid_input', 'expected { connectionString: string } or { pool }');
  }
  // An idle client whose server went away emits 'error'; unhandled, that would kill the process.
  const onIdleError = () => {};
  pool.on('error', onIdleError);

  const engine: SqlEngine = {
    name: 'PostgreSQL',
    db: queryable(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(queryable(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
  };
  const store = createSqlChainStore(engine, async () => {
    pool.off('error', onIdleError);
    if (owned) await pool.end();
  });
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (err) {
      await store.close();
      throw err instanceof ChainStoreError
        ? err
        : new ChainStoreError('unavailable', `PostgreSQL migration failed: ${String(err)}`, { cause: err });
    }
  }
  return Object.assign(store, { pool });
}
