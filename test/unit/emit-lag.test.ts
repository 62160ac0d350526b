import { describe, expect, it } from 'vitest';
import {
  type AppendedEvent,
  type ChainStore,
  createMemoryChainStore,
  createOperationalState,
} from '../../src/index.js';
import { DEFAULT_MAX_BATCH, DEFAULT_MAX_EMIT_LAG_MS } from '../../src/emit/index.js';
import { capturingLogger } from '../support/stores.js';

const WS = 'ws-lag';

/**
 * A real memory store whose appends complete only once the event loop turns, like a network or disk
 * store's I/O: a loop that never lets the event loop turn never sees an append land.
 */
function ioStore(): ChainStore & { landed: () => number } {
  const inner = createMemoryChainStore();
  let landed = 0;
  return {
    landed: () => landed,
    async append(ws, events): Promise<AppendedEvent[]> {
      await new Promise((resolve) => setImmediate(resolve));
      const out = await inner.append(ws, events);
      landed += events.length;
      return out;
    },
    read: (ws, o) => inner.read(ws, o),
    verify: (ws) => inner.verify(ws),
    close: () => inner.close(),
  };
}

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // The agent's own synchronous work between transitions.
  }
}

describe('the chain does not fall behind a tight transitionTo loop', () => {
  it('by count: at most the batch in flight plus one full batch is ever acknowledged and not yet appended', async () => {
    const store = ioStore();
    const rt = createOperationalState({ store, workspaceId: WS }, { logger: capturingLogger() });
    const n = DEFAULT_MAX_BATCH * 6;
    let worstLag = 0;
    for (let i = 0; i < n; i++) {
      await rt.transitionTo('booting', `t${i}`);
      // Acknowledged: this is what a SIGKILL right now would lose without an outbox.
      worstLag = Math.max(worstLag, rt.pendingEmits);
    }
    expect(store.landed()).toBeGreaterThan(0);
    expect(worstLag).toBeLessThan(2 * DEFAULT_MAX_BATCH);
    await rt.flush({ timeoutMs: 10_000 });
    const events = await store.read(WS, { limit: 10_000 });
    expect(events.map((e) => e.payload.trigger)).toStrictEqual(Array.from({ length: n }, (_, i) => `t${i}`));
    expect(await store.verify(WS)).toMatchObject({ ok: true, length: n });
    await rt.stop();
  });

  it('by time: a slow loop that never lets the event loop turn still sees its emits land as it goes', async () => {
    const store = ioStore();
    const rt = createOperationalState({ store, workspaceId: WS }, { logger: capturingLogger() });
    const stepMs = 2;
    const n = 150;
    let worstLag = 0;
    for (let i = 0; i < n; i++) {
      await rt.transitionTo('booting', `t${i}`);
      worstLag = Math.max(worstLag, rt.pendingEmits);
      busyWait(stepMs);
    }
    // Far below one batch: only time can have bounded it (one lag period's worth, plus slack).
    expect(worstLag).toBeLessThanOrEqual(2 * Math.ceil(DEFAULT_MAX_EMIT_LAG_MS / stepMs) + 2);
    expect(store.landed()).toBeGreaterThanOrEqual(n / 2);
    await rt.flush({ timeoutMs: 5000 });
    expect(await store.verify(WS)).toMatchObject({ ok: true, length: n });
    await rt.stop();
  });

  it('a burst still goes to the store in a few batches, not one call per transition', async () => {
    const inner = createMemoryChainStore();
    let calls = 0;
    const store: ChainStore = {
      append: (ws, events) => {
        calls += 1;
        return inner.append(ws, events);
      },
      read: (ws, o) => inner.read(ws, o),
      verify: (ws) => inner.verify(ws),
      close: () => inner.close(),
    };
    const rt = createOperationalState({ store, workspaceId: WS }, { logger: capturingLogger() });
    for (let i = 0; i < 1000; i++) await rt.transitionTo('booting', `t${i}`);
    await rt.flush({ timeoutMs: 5000 });
    // Two full batches on a quiet machine; a few more when the time bound yields on a loaded one.
    expect(calls).toBeLessThanOrEqual(1000 / 20);
    expect(await inner.verify(WS)).toMatchObject({ ok: true, length: 1000 });
    await rt.stop();
  });
});
