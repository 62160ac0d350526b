import { describe, expect, it } from 'vitest';
import { type ChainStore, createMemoryChainStore, createOperationalState } from '../../src/index.js';
import { type ChainEventInput } from '../../src/store/chain/index.js';
import { DEFAULT_MAX_BATCH, type EmitOutcome } from '../../src/emit/index.js';
import { BOOT_READY_EVENT, GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { capturingLogger } from '../support/stores.js';

const WS = 'ws-batching';
const FAST_RETRY = { initialDelayMs: 5, maxDelayMs: 20 };

/**
 * A real memory store whose appends take `delayMs` (so transitions queue up behind the one in flight)
 * and which records the size of every call.
 */
function slowStore(inner: ChainStore = createMemoryChainStore(), delayMs = 20) {
  const calls: (readonly ChainEventInput[])[] = [];
  const store: ChainStore & { calls: typeof calls } = {
    calls,
    async append(ws, events) {
      calls.push(events);
      await new Promise((r) => setTimeout(r, delayMs));
      return inner.append(ws, events);
    },
    read: (ws, o) => inner.read(ws, o),
    verify: (ws) => inner.verify(ws),
    close: () => inner.close(),
  };
  return store;
}

async function allTriggers(store: ChainStore): Promise<string[]> {
  const out: string[] = [];
  for (let after = 0; ;) {
    const page = await store.read(WS, { afterSeq: after, limit: 10_000 });
    if (page.length === 0) return out;
    for (const e of page) out.push(String(e.payload.trigger));
    after = page[page.length - 1]?.seq ?? after;
  }
}

describe('emit batching', () => {
  it('what queues while an append is in flight goes in the next append as one store call', async () => {
    const store = slowStore();
    const rt = createOperationalState({ store, workspaceId: WS }, { logger: capturingLogger() });
    const outcomes: EmitOutcome[] = [];
    rt.onEmit((o) => outcomes.push(o));
    const triggers = Array.from({ length: 50 }, (_, i) => `t${i}`);
    for (const t of triggers) await rt.transitionTo('booting', t);
    await rt.flush({ timeoutMs: 5000 });

    expect(store.calls.length).toBeLessThan(triggers.length);
    expect(store.calls.length).toBeLessThanOrEqual(3);
    expect(await allTriggers(store)).toStrictEqual(triggers);
    expect(await store.verify(WS)).toMatchObject({ ok: true, length: 50 });
    // Still one outcome per transition, each with its own events.
    expect(outcomes).toHaveLength(50);
    for (const o of outcomes) {
      expect(o.ok).toBe(true);
      if (!o.ok) continue;
      expect(o.events).toHaveLength(1);
      expect(o.events[0]?.payload.trigger).toBe(o.transition.trigger);
      expect(o.events[0]?.idempotencyKey).toBeTruthy();
    }
    await rt.stop();
  });

  it('keeps order across batches and caps each batch', async () => {
    const store = slowStore(createMemoryChainStore(), 5);
    const rt = createOperationalState({ store, workspaceId: WS }, { logger: capturingLogger() });
    const triggers = Array.from({ length: DEFAULT_MAX_BATCH * 2 + 100 }, (_, i) => `t${i}`);
    for (const t of triggers) await rt.transitionTo('booting', t);
    await rt.flush({ timeoutMs: 10_000 });
    expect(store.calls.length).toBeGreaterThanOrEqual(3);
    for (const call of store.calls) expect(call.length).toBeLessThanOrEqual(DEFAULT_MAX_BATCH);
    expect(await allTriggers(store)).toStrictEqual(triggers);
    expect(await store.verify(WS)).toMatchObject({ ok: true, length: triggers.length });
    await rt.stop();
  });

  it('keeps each transition whole: its generic event and literal are adjacent, with one correlation id', async () => {
    const store = slowStore();
    const rt = createOperationalState({ store, workspaceId: WS }, { logger: capturingLogger() });
    await rt.transitionTo('booting', 'first');
    await rt.transitionTo('ready', 'all §9.2 gates pass'); // two events
    await rt.transitionTo('ready', 'posture');
    await rt.flush({ timeoutMs: 5000 });
    const events = await store.read(WS);
    expect(events.map((e) => e.eventType)).toStrictEqual([
      GENERIC_TRANSITION_EVENT,
      GENERIC_TRANSITION_EVENT,
      BOOT_READY_EVENT,
      GENERIC_TRANSITION_EVENT,
    ]);
    expect(events[1]?.correlationId).toBe(events[2]?.correlationId);
    expect(events[0]?.correlationId).not.toBe(events[1]?.correlationId);
    await rt.stop();
  });

  it('a transition the store refuses inside a batch is set aside while the others land, in order', async () => {
    // The vocabulary lacks kora.boot.ready: the booting → ready transition is refused outright.
    const store = slowStore(createMemoryChainStore({ eventTypes: [GENERIC_TRANSITION_EVENT] }));
    const logger = capturingLogger();
    const rt = createOperationalState({ store, workspaceId: WS }, { logger, retry: FAST_RETRY });
    await rt.transitionTo('booting', 'a'); // in flight alone…
    await rt.transitionTo('booting', 'b'); // …while these queue into one batch
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.transitionTo('ready', 'c');
    await rt.transitionTo('ready', 'd');
    await rt.flush({ timeoutMs: 5000 });

    expect(store.calls.some((c) => c.length > 1)).toBe(true); // a batch was tried
    expect(await allTriggers(store)).toStrictEqual(['a', 'b', 'c', 'd']);
    expect(rt.rejectedEmits).toHaveLength(1);
    expect(rt.rejectedEmits[0]?.transition.trigger).toBe('all §9.2 gates pass');
    expect(rt.rejectedEmits[0]?.error.eventType).toBe(BOOT_READY_EVENT);
    // One error for the one refused transition; the refused batch itself is a warning.
    const errors = logger.entries.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.fields).toMatchObject({ willRetry: false, trigger: 'all §9.2 gates pass' });
    expect(logger.entries.some((e) => e.level === 'warn' && /one by one/.test(e.message ?? ''))).toBe(true);
    expect(await store.verify(WS)).toMatchObject({ ok: true, length: 4 });
    await rt.stop();
  });

  it('after a refused batch, transitions stay one by one through transient failures until the culprit is found', async () => {
    const inner = slowStore(createMemoryChainStore({ eventTypes: [GENERIC_TRANSITION_EVENT] }));
    let refusedSeen = false;
    let transient = 3;
    const store: ChainStore = {
      ...inner,
      async append(ws, events) {
        // The first three solo attempts after the refused batch fail as if the store were briefly down.
        if (refusedSeen && events.length === 1 && transient > 0) {
          transient -= 1;
          throw new Error('connection reset');
        }
        try {
          return await inner.append(ws, events);
        } catch (err) {
          if (events.length > 1) refusedSeen = true;
          throw err;
        }
      },
    };
    const logger = capturingLogger();
    const rt = createOperationalState({ store, workspaceId: WS }, { logger, retry: FAST_RETRY });
    await rt.transitionTo('booting', 'a');
    await rt.transitionTo('booting', 'b');
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.transitionTo('ready', 'c');
    await rt.flush({ timeoutMs: 5000 });
    expect(transient).toBe(0);
    expect(await allTriggers(store)).toStrictEqual(['a', 'b', 'c']);
    expect(rt.rejectedEmits.map((r) => r.transition.trigger)).toStrictEqual(['all §9.2 gates pass']);
    // The batch was refused once; the retries of 'b' did not use up the one-by-one budget.
    expect(logger.entries.filter((e) => /one by one/.test(e.message ?? ''))).toHaveLength(1);
    await rt.stop();
  });

  it('a retried batch re-sends the same idempotency keys, so nothing is doubled', async () => {
    const inner = createMemoryChainStore();
    const calls: (readonly ChainEventInput[])[] = [];
    let slowedDown = false;
    const store: ChainStore = {
      async append(ws, events) {
        calls.push(events);
        // The first batch times out on our side but still lands later.
        if (events.length > 1 && !slowedDown) {
          slowedDown = true;
          await new Promise((r) => setTimeout(r, 120));
        } else await new Promise((r) => setTimeout(r, 10));
        return inner.append(ws, events);
      },
      read: (ws, o) => inner.read(ws, o),
      verify: (ws) => inner.verify(ws),
      close: () => inner.close(),
    };
    const rt = createOperationalState(
      { store, workspaceId: WS },
      { logger: capturingLogger(), appendTimeoutMs: 60, retry: FAST_RETRY },
    );
    const triggers = Array.from({ length: 20 }, (_, i) => `t${i}`);
    for (const t of triggers) await rt.transitionTo('booting', t);
    await rt.flush({ timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 150)); // let the timed-out batch write (as duplicates)

    const batchCalls = calls.filter((c) => c.length > 1);
    expect(batchCalls.length).toBeGreaterThanOrEqual(2);
    // The retry carried the very same keys as the timed-out attempt.
    const firstKeys = (batchCalls[0] ?? []).map((e) => e.idempotencyKey);
    expect((batchCalls[1] ?? []).slice(0, firstKeys.length).map((e) => e.idempotencyKey)).toStrictEqual(
      firstKeys,
    );
    expect(await allTriggers(inner)).toStrictEqual(triggers);
    expect(await inner.verify(WS)).toMatchObject({ ok: true, length: 20 });
    expect(rt.emitFailures).toBeGreaterThanOrEqual(1);
    await rt.stop();
  });
});
