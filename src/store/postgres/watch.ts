import type pg from 'pg';
import type { StoreChange } from '../chain/types.js';
import { destroySocket } from './pool.js';
import { toldPid } from './pooler.js';

/** The channel every `opstate.chain_append` call that wrote something notifies (migration 002). */
export const APPEND_CHANNEL = 'opstate_appended';
const RECONNECT_MS = 1000;
/**
 * A silent path (a black hole) is invisible to an idle LISTEN connection until TCP keepalive gives up,
 * minutes later: a ping this often, bounded by the query timeout, finds it sooner.
 */
const PING_MS = 15_000;
/**
 * Appends notify only while someone holds or waits for this advisory lock exclusively (migration 002):
 * NOTIFY serializes every notifying commit in the database, too high a price with nobody listening.
 */
export const WATCHER_LOCK_KEY = 727_270_002;
/** How often a connecting watcher looks for its lock request on the server before saying "re-read". */
const LOCK_SEEN_POLL_MS = 5;

function parseChange(payload: string | undefined): StoreChange {
  try {
    const p = JSON.parse(payload ?? '{}') as { workspaceId?: unknown; seq?: unknown };
    return {
      ...(typeof p.workspaceId === 'string' ? { workspaceId: p.workspaceId } : {}),
      ...(typeof p.seq === 'number' ? { seq: p.seq } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * LISTEN on a dedicated connection (a pooled one would be handed to appends and lose the subscription).
 * Once it is listening, and again after each reconnect (every second while its connection is down), it
 * reports one change without a workspace: appends made before that may have gone unheard, so the
 * follower should re-read; every append after it is heard.
 */
export function watchAppends(
  newClient: (untimed?: boolean) => pg.Client,
  onChange: (change: StoreChange) => void,
  queryTimeoutMs: number,
): () => void {
  let stopped = false;
  let current: { client: pg.Client; lock: pg.Client; lost: () => void } | null = null;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const client = newClient();
    // Its own connection: the lock may be queued behind other watchers for as long as they watch, and a
    // LISTEN connection busy in a statement would hold back every notification meanwhile.
    const lock = newClient(true);
    const lost = () => {
      if (stopped || current?.client !== client) return;
      current = null;
      destroySocket(client);
      destroySocket(lock);
      retry = setTimeout(() => void connect(), RECONNECT_MS);
      retry.unref();
    };
    current = { client, lock, lost };
    client.on('notification', (msg) => {
      if (!stopped && msg.channel === APPEND_CHANNEL) onChange(parseChange(msg.payload));
    });
    for (const c of [client, lock]) {
      c.on('error', lost);
      c.on('end', lost);
    }
    try {
      await client.connect();
      await client.query(`LISTEN ${APPEND_CHANNEL}`);
      await lock.connect();
      // Held (or queued for) until this watch stops: appends notify meanwhile.
      lock.query('SELECT pg_advisory_lock($1)', [WATCHER_LOCK_KEY]).catch(lost);
      if (stopped) {
        await Promise.all([client.end().catch(() => undefined), lock.end().catch(() => undefined)]);
        return;
      }
      // Appends notify only once the server has the lock request; "re-read" before that would let one
      // landing after the consumer's read, but ahead of the request, go unheard. Said on the first
      // connection too: the follower read before watching, and appends in between sent no notification.
      if (!(await lockSeen(client, lock))) return;
      onChange({});
    } catch {
      lost();
    }
  };
  /**
   * True once pg_locks shows `lock`'s session holding or waiting for the key (a bigint key: classid is
   * its high 32 bits, objid its low ones, objsubid 1); false if stopped or replaced meanwhile. Not seen
   * within the statement timeout: the path is as good as lost (throws). The pid is the one the server
   * gave at connect: behind a pooler, which gives its own, watch polls instead (pooler.ts).
   */
  const lockSeen = async (client: pg.Client, lock: pg.Client): Promise<boolean> => {
    const pid = toldPid(lock);
    const give = Date.now() + queryTimeoutMs;
    for (;;) {
      if (stopped || current?.client !== client) return false;
      const { rows } = await client.query(
        `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = $1 AND objsubid = 1
           AND pid = $2`,
        [WATCHER_LOCK_KEY, pid],
      );
      if (rows.length > 0) return !stopped && current?.client === client;
      if (Date.now() > give) throw new Error('the watcher lock request never reached the server');
      await new Promise((r) => setTimeout(r, LOCK_SEEN_POLL_MS));
    }
  };
  const ping = setInterval(() => {
    const c = current;
    c?.client.query('SELECT 1').catch(() => c.lost());
  }, PING_MS);
  ping.unref();
  void connect();

  return () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(retry);
    clearInterval(ping);
    const held = current;
    current = null;
    for (const c of held === null ? [] : [held.client, held.lock]) {
      const cut = setTimeout(() => destroySocket(c), 1000);
      cut.unref();
      void c
        .end()
        .catch(() => undefined)
        .finally(() => clearTimeout(cut));
    }
  };
}
