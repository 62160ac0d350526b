import { type AppendedEvent, type ChainStore, createMemoryChainStore } from '../../src/index.js';
import { type ChainEventInput } from '../../src/store/chain/index.js';

export interface AppendCall {
  readonly workspaceId: string;
  readonly events: readonly ChainEventInput[];
}

/** A real memory store that also records every append call it receives. */
export function recordingStore(
  inner: ChainStore = createMemoryChainStore(),
): ChainStore & { calls: AppendCall[] } {
  const calls: AppendCall[] = [];
  return {
    calls,
    append(workspaceId, events) {
      calls.push({ workspaceId, events: structuredClone(events) });
      return inner.append(workspaceId, events);
    },
    read: (ws, o) => inner.read(ws, o),
    verify: (ws) => inner.verify(ws),
    close: () => inner.close(),
  };
}

/** A store whose appends fail in a chosen way; reads and verify go to a real memory store. */
export function faultyStore(
  mode: 'throw' | 'reject' | 'hang',
  message = 'Sea MCP unavailable',
): ChainStore & { attempts: number } {
  const inner = createMemoryChainStore();
  const store = {
    attempts: 0,
    append(_ws: string, _events: readonly ChainEventInput[]): Promise<AppendedEvent[]> {
      store.attempts += 1;
      if (mode === 'throw') throw new Error(message);
      if (mode === 'reject') return Promise.reject(new Error(message));
      return new Promise<AppendedEvent[]>(() => {});
    },
    read: inner.read,
    verify: inner.verify,
    close: inner.close,
  };
  return store;
}

/** A logger that keeps what it is given. */
export function capturingLogger() {
  const entries: { level: string; fields: Record<string, unknown>; message: string | undefined }[] = [];
  const at = (level: string) => (fields: object, message?: string) => {
    entries.push({ level, fields: fields as Record<string, unknown>, message });
  };
  return { entries, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

/**
 * A memory store that can be switched while running: `up`, `throw` (every append throws `message`), or
 * `down` (appends wait until the store is `up` again, so emits queue behind them).
 */
export function modeSwitchStore(message = 'store write refused: disk full') {
  const inner = createMemoryChainStore();
  let mode: 'up' | 'throw' | 'down' = 'up';
  const waiting: (() => void)[] = [];
  const store: ChainStore & { setMode(next: 'up' | 'throw' | 'down'): void } = {
    setMode(next) {
      mode = next;
      if (next === 'up') for (const resume of waiting.splice(0)) resume();
    },
    append(workspaceId, events) {
      if (mode === 'throw') throw new Error(message);
      if (mode === 'down') {
        return new Promise<AppendedEvent[]>((resolve, reject) => {
          waiting.push(() => inner.append(workspaceId, events).then(resolve, reject));
        });
      }
      return inner.append(workspaceId, events);
    },
    read: (ws, o) => inner.read(ws, o),
    verify: (ws) => inner.verify(ws),
    close: () => inner.close(),
  };
  return store;
}

/**
 * A real memory store behind a switch: while `down`, appends fail in the chosen way (a hung append never
 * answers and never writes); once up, they reach the memory store.
 */
export function switchableStore(
  mode: 'throw' | 'reject' | 'hang',
  inner: ChainStore = createMemoryChainStore(),
): ChainStore & { down: boolean; attempts: number; failures: number } {
  const store = {
    down: true,
    attempts: 0,
    failures: 0,
    append(ws: string, events: readonly ChainEventInput[]): Promise<AppendedEvent[]> {
      store.attempts += 1;
      if (!store.down) return inner.append(ws, events);
      store.failures += 1;
      if (mode === 'throw') throw new Error('Sea MCP unavailable');
      if (mode === 'reject') return Promise.reject(new Error('Sea MCP unavailable'));
      return new Promise<AppendedEvent[]>(() => {});
    },
    read: (ws: string, o?: Parameters<ChainStore['read']>[1]) => inner.read(ws, o),
    verify: (ws: string) => inner.verify(ws),
    close: () => inner.close(),
  };
  return store;
}

/** Resolves once `predicate` holds, polling every few ms; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
