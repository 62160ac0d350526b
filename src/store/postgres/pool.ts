import type pg from 'pg';
import { loadPg } from './driver.js';
import type { ResolvedPostgresOptions } from './options.js';
import type { Queryable, Transactor } from './queryable.js';
import { behindPooler } from './pooler.js';

/** How long `end()` waits for the pool to drain before cutting the sockets still open. */
const END_DEADLINE_MS = 3000;

/**
 * A client tagged with the pool generation it was connected in, and, once asked, whether it reaches the
 * server itself (no pooler in between).
 */
type TaggedClient = pg.PoolClient & { opstateGeneration?: number; opstateDirect?: boolean };

/**
 * The store's pool, with the hygiene an outage needs:
 * - connect timeout, query timeout and TCP keepalive on every connection;
 * - a client whose statement failed is released with the error, so the pool destroys it instead of
 *   handing a connection that may still carry a stale answer to the next caller;
 * - a timeout means the path to the server was bad: every client connected before it is suspect, so
 *   each is discarded when next checked out (a "generation" bump) instead of costing another timeout;
 * - `end()` settles within a few seconds even with clients stuck in a black hole.
 */
export interface StorePool {
  readonly pool: pg.Pool;
  /**
   * Runs `fn` on one checked-out client and releases it: with the error, if any (it is then destroyed),
   * or destroyed anyway when `fn` called `discard()` (it left the connection mid-protocol, e.g. a COPY
   * abandoned half-read).
   */
  withClient<T>(fn: (client: pg.PoolClient, discard: () => void) => Promise<T>): Promise<T>;
  readonly db: Queryable;
  readonly transaction: Transactor;
  /**
   * A dedicated connection outside the pool (LISTEN), with the same settings; `untimed` leaves out the
   * statement timeout, for a statement that waits on a lock for as long as it takes.
   */
  dedicatedClient(untimed?: boolean, connectionString?: string): pg.Client;
  end(): Promise<void>;
}

export function isTimeout(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /timeout|timed out/i.test(message);
}

export function createStorePool(o: ResolvedPostgresOptions): StorePool {
  const clientConfig = {
    connectionString: o.connectionString,
    connectionTimeoutMillis: o.connectTimeoutMs,
    query_timeout: o.queryTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: o.keepAliveInitialDelayMs,
  };
  const driver = loadPg();
  const pool = new driver.Pool({ ...clientConfig, max: o.maxConnections, idleTimeoutMillis: 30_000 });
  let generation = 0;
  const sockets = new Set<pg.Client>();
  pool.on('connect', (client: TaggedClient) => {
    client.opstateGeneration = generation;
    sockets.add(client);
    client.on('end', () => sockets.delete(client));
    // A socket that dies while the client is checked out (between statements, or under a statement
    // that already failed) emits 'error' with no pool listener attached: the statement's own rejection
    // is the report, this must not crash the process.
    client.on('error', () => undefined);
  });
  // An idle client whose server went away emits 'error'; unhandled, that would kill the process. The
  // pool removes that client by itself.
  pool.on('error', () => undefined);

  async function checkout(): Promise<TaggedClient> {
    for (;;) {
      const client: TaggedClient = await pool.connect();
      if ((client.opstateGeneration ?? -1) >= generation) return client;
      client.release(true);
    }
  }

  async function withClient<T>(fn: (client: pg.PoolClient, discard: () => void) => Promise<T>): Promise<T> {
    const client = await checkout();
    let broken = false;
    try {
      const result = await fn(client, () => {
        broken = true;
      });
      client.release(broken ? new Error('connection left mid-protocol') : undefined);
      return result;
    } catch (err) {
      if (isTimeout(err)) generation += 1;
      // The server refusing a statement (a constraint, bad input) leaves the connection sound; anything
      // else (a timeout, a cut socket) may leave it mid-protocol, so it is discarded, never reused.
      if (err instanceof driver.DatabaseError) client.release();
      else client.release(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  }

  const asQueryable = (client: TaggedClient) => ({
    async query<R>(text: string, params: readonly unknown[] = []) {
      return (await client.query(text, params as unknown[])).rows as R[];
    },
    async exec(text: string) {
      // Without parameters pg uses the simple protocol, which runs a whole script.
      await client.query(text);
    },
    async prepared<R>(name: string, text: string, params: readonly unknown[]) {
      // Asked once per connection: a connection's path to the server never changes.
      client.opstateDirect ??= o.preparedStatements && !(await behindPooler(client));
      const values = params as unknown[];
      const config = client.opstateDirect ? { name, text, values } : { text, values };
      return (await client.query(config)).rows as R[];
    },
  });

  return {
    pool,
    withClient,
    db: {
      query: (text, params) => withClient((c) => asQueryable(c).query(text, params)),
      exec: (text) => withClient((c) => asQueryable(c).exec(text)),
      prepared: (name, text, params) => withClient((c) => asQueryable(c).prepared(name, text, params)),
    },
    transaction: (fn) =>
      withClient(async (client) => {
        await client.query('BEGIN');
        try {
          const result = await fn(asQueryable(client));
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    dedicatedClient(untimed = false, connectionString = o.connectionString) {
      const config = { ...clientConfig, connectionString };
      const client = new driver.Client(untimed ? { ...config, query_timeout: undefined } : config);
      sockets.add(client);
      client.on('end', () => sockets.delete(client));
      return client;
    },
    async end() {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), END_DEADLINE_MS);
      });
      const ended = pool.end().then(
        () => 'ended' as const,
        () => 'ended' as const,
      );
      const outcome = await Promise.race([ended, deadline]);
      clearTimeout(timer);
      if (outcome === 'late') {
        // Clients stuck on a dead path: cut their sockets so nothing keeps the process alive.
        for (const client of sockets) destroySocket(client);
        await Promise.race([ended, new Promise((r) => setTimeout(r, 500))]);
      }
    },
  };
}

/** pg has no public "abort this connection now"; its socket is `connection.stream`. */
export function destroySocket(client: pg.Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection
    ?.stream;
  stream?.destroy?.();
}
