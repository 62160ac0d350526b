import { ChainStoreError } from '../../errors.js';

/**
 * How to reach PostgreSQL. Deliberately opstate's own type, not `pg`'s: a consumer compiles against
 * opstate without `@types/pg`.
 */
export interface PostgresChainStoreOptions {
  /** `postgres://user:pass@host:port/db`; the store creates and owns a pool of connections. */
  readonly connectionString: string;
  /**
   * Connections in the pool (default 2): an agent appends one batch at a time, so more only multiply
   * the connections a fleet needs (see the PostgreSQL fleet page: agents × pool).
   */
  readonly maxConnections?: number;
  /**
   * A direct connection to the server for `watch()` (LISTEN), when `connectionString` goes through a
   * transaction-pooling PgBouncer, where a LISTEN does not outlive its statement. Without one, a store
   * that finds itself behind a pooler watches by polling (`pollIntervalMs`); `watchMode()` says which.
   */
  readonly listenConnectionString?: string;
  /** How often `watch()` polls the head table when it cannot LISTEN (default 1,000 ms). */
  readonly pollIntervalMs?: number;
  /**
   * Whether appends run as named prepared statements on connections that reach the server directly
   * (default `true`): the server then parses and plans the append call once per connection. A connection
   * through PgBouncer is recognized (it answers with a backend key of its own) and never names a
   * statement, since its next transaction may run on another server session. Set `false` behind a pooler
   * that passes the server's backend key through and still moves clients between sessions.
   */
  readonly preparedStatements?: boolean;
  /** Give up connecting after this long (default 5,000 ms): a silent endpoint fails instead of hanging. */
  readonly connectTimeoutMs?: number;
  /**
   * Give up on a statement after this long without its result (default 15,000 ms). The connection it ran
   * on is discarded, never reused: after a stall it may still be carrying the old answer. Verify's COPY
   * is bounded by silence instead: it fails when no data arrived for this long.
   */
  readonly queryTimeoutMs?: number;
  /** TCP keepalive on every connection, first probe after this much idle time (default 10,000 ms). */
  readonly keepAliveInitialDelayMs?: number;
  /**
   * On open: `true` (default) applies pending migrations; `false` runs none and checks nothing (call
   * `migrate()`); `'check'` runs none and refuses a schema that is missing or older than this package,
   * writing nothing, so a role with SELECT only can open the store to read and verify.
   */
  readonly migrate?: boolean | 'check';
}

export interface ResolvedPostgresOptions {
  readonly connectionString: string;
  readonly listenConnectionString: string | undefined;
  readonly pollIntervalMs: number;
  readonly maxConnections: number;
  readonly connectTimeoutMs: number;
  readonly queryTimeoutMs: number;
  readonly keepAliveInitialDelayMs: number;
  readonly migrate: boolean | 'check';
  readonly preparedStatements: boolean;
}

function positiveInt(name: string, value: unknown, fallback: number, max = 3_600_000): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ChainStoreError(
      'invalid_input',
      `${name} must be an integer between 1 and ${max}, got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  return value;
}

/**
 * A URL naming another database's scheme (`mysql://`, `http://`) is refused here: the driver would read
 * it as a PostgreSQL host and fail later, as an unreachable server. Other forms the driver takes
 * (`postgres://`, `postgresql://`, `socket:`, libpq's `key=value` words) pass.
 */
function assertPostgresUrl(name: string, value: string): void {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'postgres' && scheme !== 'postgresql') {
    throw new ChainStoreError(
      'invalid_input',
      `${name} must be a postgres:// or postgresql:// URL, got a ${scheme}:// URL`,
    );
  }
}

export function resolveOptions(options: PostgresChainStoreOptions): ResolvedPostgresOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ChainStoreError('invalid_input', 'expected { connectionString: string }');
  }
  if (typeof options.connectionString !== 'string' || options.connectionString.length === 0) {
    throw new ChainStoreError(
      'invalid_input',
      `connectionString must be a non-empty postgres:// URL, got ${JSON.stringify(options.connectionString) ?? String(options.connectionString)}`,
    );
  }
  assertPostgresUrl('connectionString', options.connectionString);
  const migrate = options.migrate ?? true;
  if (migrate !== true && migrate !== false && migrate !== 'check') {
    throw new ChainStoreError(
      'invalid_input',
      `migrate must be true, false or 'check', got ${JSON.stringify(migrate)}`,
    );
  }
  const listen = options.listenConnectionString;
  if (listen !== undefined && (typeof listen !== 'string' || listen.length === 0)) {
    throw new ChainStoreError(
      'invalid_input',
      `listenConnectionString must be a non-empty postgres:// URL, got ${JSON.stringify(listen) ?? String(listen)}`,
    );
  }
  if (listen !== undefined) assertPostgresUrl('listenConnectionString', listen);
  const prepared = options.preparedStatements ?? true;
  if (typeof prepared !== 'boolean') {
    throw new ChainStoreError(
      'invalid_input',
      `preparedStatements must be true or false, got ${JSON.stringify(prepared) ?? String(prepared)}`,
    );
  }
  return {
    connectionString: options.connectionString,
    listenConnectionString: listen,
    pollIntervalMs: positiveInt('pollIntervalMs', options.pollIntervalMs, 1000, 600_000),
    maxConnections: positiveInt('maxConnections', options.maxConnections, 2, 1000),
    connectTimeoutMs: positiveInt('connectTimeoutMs', options.connectTimeoutMs, 5000),
    queryTimeoutMs: positiveInt('queryTimeoutMs', options.queryTimeoutMs, 15_000),
    keepAliveInitialDelayMs: positiveInt('keepAliveInitialDelayMs', options.keepAliveInitialDelayMs, 10_000),
    migrate,
    preparedStatements: prepared,
  };
}
