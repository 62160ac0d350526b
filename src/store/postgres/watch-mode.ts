import type { StoreChange } from '../chain/types.js';
import type { ResolvedPostgresOptions } from './options.js';
import { pollAppends } from './poll-watch.js';
import { behindPooler } from './pooler.js';
import type { StorePool } from './pool.js';
import { APPEND_CHANNEL, watchAppends } from './watch.js';

/** How `watch()` learns of appends (the `ChainStore.watchMode()` shape). */
export interface WatchMode {
  readonly kind: 'push' | 'poll';
  readonly intervalMs?: number;
  readonly detail: string;
}

const RETRY_MS = 1000;

/**
 * Chooses between LISTEN (push) and polling the head table for `watch()`, once it knows whether the
 * connection LISTEN would use (`listenConnectionString`, else the store's own) goes through a pooler.
 */
export function createPgWatcher(sp: StorePool, o: ResolvedPostgresOptions) {
  const listenUrl = o.listenConnectionString ?? o.connectionString;
  const ownListen = o.listenConnectionString !== undefined;
  let pooled: boolean | undefined;

  async function detect(): Promise<boolean> {
    if (pooled !== undefined) return pooled;
    if (!ownListen) {
      pooled = await sp.withClient((client) => behindPooler(client));
      return pooled;
    }
    const client = sp.dedicatedClient(false, listenUrl);
    client.on('error', () => undefined);
    try {
      await client.connect();
      pooled = await behindPooler(client);
      return pooled;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  function mode(): WatchMode {
    if (pooled === true) {
      return {
        kind: 'poll',
        intervalMs: o.pollIntervalMs,
        detail: ownListen
          ? `polls opstate.chain_head every ${o.pollIntervalMs} ms: listenConnectionString also reaches a connection pooler (PgBouncer), where LISTEN does not hold; point it at the server itself for push`
          : `polls opstate.chain_head every ${o.pollIntervalMs} ms: the connection string reaches a connection pooler (PgBouncer), where LISTEN does not hold; give listenConnectionString (a direct connection to the server) for push`,
      };
    }
    const on = ownListen ? 'listenConnectionString (a direct connection)' : 'a connection of its own';
    return {
      kind: 'push',
      detail:
        pooled === false
          ? `LISTEN ${APPEND_CHANNEL} on ${on}`
          : `LISTEN ${APPEND_CHANNEL} on ${on} (not yet checked for a pooler: checked when watch() starts)`,
    };
  }

  function watch(onChange: (change: StoreChange) => void): () => void {
    let stopped = false;
    let stopInner: (() => void) | undefined;
    let retry: NodeJS.Timeout | undefined;
    const start = () => {
      if (stopped) return;
      stopInner =
        pooled === true
          ? pollAppends(sp.db, o.pollIntervalMs, onChange)
          : watchAppends((untimed) => sp.dedicatedClient(untimed, listenUrl), onChange, o.queryTimeoutMs);
    };
    const attempt = () => {
      // Until the server answers, which way to watch is unknown: ask again every second.
      detect().then(start, () => {
        if (stopped) return;
        retry = setTimeout(attempt, RETRY_MS);
        retry.unref();
      });
    };
    if (pooled === undefined) attempt();
    else start();
    return () => {
      stopped = true;
      clearTimeout(retry);
      stopInner?.();
    };
  }

  return { detect, mode, watch };
}
