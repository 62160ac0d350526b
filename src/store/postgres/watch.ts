import type pg from 'pg';
import type { StoreChange } from '../chain/types.js';
import { destroySocket } from './pool.js';

/** The channel every `opstate.chain_append` call that wrote something notifies (migration 002). */
export const APPEND_CHANNEL = 'opstate_appended';
const RECONNECT_MS = 1000;

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
 * When that connection drops it reconnects every second until stopped, and then reports one change
 * without a workspace: notifications sent meanwhile are lost, so the follower should re-read.
 */
export function watchAppends(
  newClient: () => pg.Client,
  onChange: (change: StoreChange) => void,
): () => void {
  let stopped = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | undefined;
  let reconnecting = false;

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const c = newClient();
    client = c;
    c.on('notification', (msg) => {
      if (!stopped && msg.channel === APPEND_CHANNEL) onChange(parseChange(msg.payload));
    });
    const lost = () => {
      if (stopped || client !== c) return;
      client = null;
      destroySocket(c);
      reconnecting = true;
      retry = setTimeout(() => void connect(), RECONNECT_MS);
      retry.unref();
    };
    c.on('error', lost);
    c.on('end', lost);
    try {
      await c.connect();
      await c.query(`LISTEN ${APPEND_CHANNEL}`);
      if (stopped) {
        await c.end().catch(() => undefined);
        return;
      }
      if (reconnecting) {
        reconnecting = false;
        onChange({});
      }
    } catch {
      lost();
    }
  };
  void connect();

  return () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(retry);
    const c = client;
    client = null;
    if (c !== null) {
      const cut = setTimeout(() => destroySocket(c), 1000);
      cut.unref();
      void c.end().catch(() => undefined).finally(() => clearTimeout(cut));
    }
  };
}
