import { describe, expect, it } from 'vitest';
import {
  type ChainProvider,
  type ChainStore,
  createMemoryChainStore,
  createOperationalState,
  EmitFlushTimeoutError,
  OperationalStateEmitError,
} from '../../src/index.js';
import { retryDelayMs } from '../../src/emit/index.js';
import {
  BOOT_READY_EVENT,
  GENERIC_TRANSITION_EVENT,
  PAUSED_COST_LIMIT_EVENT,
} from '../../src/machine/index.js';
import { capturingLogger, switchableStore, until } from '../support/stores.js';

const WS = 'ws-faults';
const FAST_RETRY = { initialDelayMs: 5, maxDelayMs: 20 };

describe.each(['throw', 'reject', 'hang'] as const)('a store that %ss on append, then comes back', (mode) => {
  it('keeps the machine moving, logs the outage once, retries, and lands every event once, in order', async () => {
    const store = switchableStore(mode);
    const logger = capturingLogger();
    const rt = createOperationalState(
      { store, workspaceId: WS },
      { logger, appendTimeoutMs: 50, retry: FAST_RETRY },
    );
    const outcomes: { ok: boolean; willRetry?: boolean }[] = [];
    rt.onEmit((o) => outcomes.push(o.ok ? { ok: true } : { ok: false, willRetry: o.willRetry }));

    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.transitionTo('active', 'claim acquired');
    await rt.transitionTo('paused', 'cost 100%');
    expect(rt.current.primaryState).toBe('paused');

    await until(() => store.failures >= 3);
    // Down: flush cannot complete, and says so after the caller's timeout instead of hanging.
    const timedOut = await rt.flush({ timeoutMs: 30 }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(EmitFlushTimeoutError);
    expect(timedOut).toMatchObject({
      pending: 3,
      abandoned: false,
      message: expect.stringContaining('still being retried'),
    });
    expect(rt.pendingEmits).toBe(3);

    store.down = false;
    await rt.flush({ timeoutMs: 5000 });
    expect(rt.pendingEmits).toBe(0);

    const events = await store.read(WS);
    expect(events.map((e) => e.eventType)).toStrictEqual([
      GENERIC_TRANSITION_EVENT,
      BOOT_READY_EVENT,
      GENERIC_TRANSITION_EVENT,
      GENERIC_TRANSITION_EVENT,
      PAUSED_COST_LIMIT_EVENT,
    ]);
    expect(events.map((e) => e.payload.trigger)).toStrictEqual([
      'all §9.2 gates pass',
      'all §9.2 gates pass',
      'claim acquired',
      'cost 100%',
      'cost 100%',
    ]);
    expect(await store.verify(WS)).toMatchObject({ ok: true, length: 5 });

    // The outage was logged as two lines, not one per failed call: an error with the first
    // OperationalStateEmitError, then one info once appends landed again. The failed retries in between
    // went to debug, each with its error; every failed call was reported to the machine.
    const loud = logger.entries.filter((e) => e.level !== 'debug');
    expect(loud.map((e) => [e.level, e.fields.outage])).toStrictEqual([
      ['error', 'started'],
      ['info', 'ended'],
    ]);
    const [started, ended] = loud;
    const first = started?.fields.err as OperationalStateEmitError;
    expect(first).toBeInstanceOf(OperationalStateEmitError);
    expect(started?.message?.startsWith(first.message)).toBe(true);
    expect(started?.fields).toMatchObject({
      eventType: GENERIC_TRANSITION_EVENT,
      willRetry: true,
      from: 'booting',
      to: 'ready',
      attempt: 1,
    });
    expect(first.cause).toMatch(mode === 'hang' ? /did not answer within 50 ms/ : /Sea MCP unavailable/);
    const retries = logger.entries.filter((e) => e.level === 'debug');
    expect(retries).toHaveLength(store.failures - 1);
    for (const entry of retries) expect(entry.fields.err).toBeInstanceOf(OperationalStateEmitError);
    expect(ended?.fields).toMatchObject({ transitions: 3, failedCalls: store.failures });
    expect(ended?.fields.durationMs).toEqual(expect.any(Number));
    expect(rt.emitFailures).toBe(store.failures);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(3);
    expect(outcomes.filter((o) => !o.ok)).toHaveLength(store.failures);
    const snapshot = rt.actor.getSnapshot();
    expect(snapshot.status).toBe('active');
    expect(snapshot.context.emitFailures).toBe(store.failures);
    await rt.stop();
  });
});

describe('nothing lost, nothing doubled', () => {
  it('an append that answers after its timeout but did land is not doubled by the retry', async () => {
    const inner = createMemoryChainStore();
    let calls = 0;
    const store: ChainStore = {
      append: async (ws, events) => {
        calls += 1;
        // The first attempt is slow: it times out on our side, but the store still writes it later.
        if (calls === 1) await new Promise((r) => setTimeout(r, 120));
        return inner.append(ws, events);
      },
      read: (ws, o) => inner.read(ws, o),
      verify: (ws) => inner.verify(ws),
      close: () => inner.close(),
    };
    const rt = createOperationalState(
      { store, workspaceId: WS },
      { logger: capturingLogger(), appendTimeoutMs: 30, retry: FAST_RETRY },
    );
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.transitionTo('active', 'claim acquired');
    await rt.flush({ timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 150)); // let the slow first attempt write (as a duplicate)
    // The timed-out first call, then a retry that carries both transitions in one batch.
    expect(calls).toBeGreaterThanOrEqual(2);
    const events = await inner.read(WS);
    expect(events.map((e) => e.payload.trigger)).toStrictEqual([
      'all §9.2 gates pass',
      'all §9.2 gates pass',
      'claim acquired',
    ]);
    expect(new Set(events.map((e) => e.idempotencyKey)).size).toBe(3);
    expect(await inner.verify(WS)).toMatchObject({ ok: true, length: 3 });
  });

  it('an event the store refuses as invalid is set aside, not retried, and does not block later ones', async () => {
    // A store whose vocabulary lacks kora.boot.ready refuses that append outright.
    const store = createMemoryChainStore({ eventTypes: [GENERIC_TRANSITION_EVENT] });
    const logger = capturingLogger();
    const rt = createOperationalState({ store, workspaceId: WS }, { logger, retry: FAST_RETRY });
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.transitionTo('active', 'claim acquired');
    await rt.flush({ timeoutMs: 5000 });
    expect(rt.rejectedEmits).toHaveLength(1);
    expect(rt.rejectedEmits[0]?.error.eventType).toBe(BOOT_READY_EVENT);
    expect(rt.rejectedEmits[0]?.events.map((e) => e.eventType)).toStrictEqual([
      GENERIC_TRANSITION_EVENT,
      BOOT_READY_EVENT,
    ]);
    const errors = logger.entries.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.fields).toMatchObject({ willRetry: false, eventType: BOOT_READY_EVENT });
    expect((await store.read(WS)).map((e) => e.payload.trigger)).toStrictEqual(['claim acquired']);
  });

  it('applies backpressure when the queue is over its limit, and drops nothing', async () => {
    const store = switchableStore('reject');
    const logger = capturingLogger();
    const rt = createOperationalState(
      { store, workspaceId: WS },
      { logger, retry: FAST_RETRY, maxQueuedEmits: 2 },
    );
    await rt.transitionTo('booting', 'one');
    await rt.transitionTo('booting', 'two');
    let third = false;
    const thirdCall = rt.transitionTo('booting', 'three').then(() => (third = true));
    await until(() => store.failures >= 3);
    expect(third).toBe(false); // the caller waits…
    expect(rt.history(1)[0]?.trigger).toBe('three'); // …but the transition is already in place
    expect(logger.entries.some((e) => /over its limit/.test(e.message ?? ''))).toBe(true);
    store.down = false;
    await thirdCall;
    await rt.flush({ timeoutMs: 5000 });
    expect((await store.read(WS)).map((e) => e.payload.trigger)).toStrictEqual(['one', 'two', 'three']);
  });

  it('stop with a flush timeout while the store is down stops the actor and logs what it abandons', async () => {
    const store = switchableStore('reject');
    const logger = capturingLogger();
    const rt = createOperationalState({ store, workspaceId: WS }, { logger, retry: FAST_RETRY });
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    const err = await rt.stop({ flushTimeoutMs: 40 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmitFlushTimeoutError);
    // The error says what the log says: abandoned, not still being retried.
    expect(err).toMatchObject({
      pending: 1,
      abandoned: true,
      message: expect.stringMatching(/^stop timed out .*abandoned/),
    });
    expect(rt.actor.getSnapshot().status).toBe('stopped');
    const abandoned = logger.entries.filter((e) => /abandoned/.test(e.message ?? ''));
    expect(abandoned).toHaveLength(1);
    expect((abandoned[0]?.fields.events as unknown[]).length).toBe(2);
    const failuresAtStop = store.failures;
    await new Promise((r) => setTimeout(r, 60));
    expect(store.failures).toBe(failuresAtStop); // no retries after abandoning
  });

  it('retry delays grow exponentially with jitter, up to the cap', () => {
    const policy = { initialDelayMs: 100, maxDelayMs: 1000 };
    expect(retryDelayMs(1, policy, () => 0)).toBe(50);
    expect(retryDelayMs(1, policy, () => 1)).toBe(100);
    expect(retryDelayMs(3, policy, () => 0)).toBe(200);
    expect(retryDelayMs(3, policy, () => 1)).toBe(400);
    expect(retryDelayMs(50, policy, () => 1)).toBe(1000);
    expect(retryDelayMs(50, policy, () => 0)).toBe(500);
  });
});

describe('preflight failures inside the runtime', () => {
  it('a workspace resolver that throws is logged per attempt and retried until it resolves', async () => {
    const logger = capturingLogger();
    const store = createMemoryChainStore();
    let ready = false;
    const provider: ChainProvider = {
      connection: store,
      resolveWorkspaceId: async () => {
        if (!ready) throw new Error('no org yet');
        return WS;
      },
    };
    const rt = createOperationalState({ provider }, { logger, retry: FAST_RETRY });
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.transitionTo('active', 'claim acquired');
    await until(() => rt.emitFailures >= 2);
    expect(rt.current.primaryState).toBe('active');
    const err = logger.entries[0]?.fields.err as OperationalStateEmitError;
    expect(err.cause).toContain('workspace_id resolution raised');
    expect(err.cause).toContain('no org yet');
    ready = true;
    await rt.flush({ timeoutMs: 5000 });
    expect(await store.verify(WS)).toMatchObject({ ok: true, length: 3 });
  });

  it('a provider without a connection yet fails loudly, then drains once the connection comes up', async () => {
    const logger = capturingLogger();
    const provider: { connection: ChainStore | null; resolveWorkspaceId: () => string } = {
      connection: null,
      resolveWorkspaceId: () => WS,
    };
    const rt = createOperationalState({ provider }, { logger, retry: FAST_RETRY });
    await rt.transitionTo('booting', 'staging');
    await until(() => logger.entries.length > 0);
    expect((logger.entries[0]?.fields.err as OperationalStateEmitError | undefined)?.cause).toContain(
      'connection not initialized',
    );
    const store = createMemoryChainStore();
    provider.connection = store;
    await rt.flush({ timeoutMs: 5000 });
    expect((await store.read(WS)).map((e) => e.payload.trigger)).toStrictEqual(['staging']);
  });

  it('a logger that throws does not break anything', async () => {
    const logger = {
      error: () => {
        throw new Error('logger down');
      },
      warn: () => {},
      info: () => {},
      debug: () => {},
    };
    const store = switchableStore('reject');
    const rt = createOperationalState({ store, workspaceId: WS }, { logger, retry: FAST_RETRY });
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await until(() => store.failures >= 1);
    store.down = false;
    await rt.flush({ timeoutMs: 5000 });
    expect(rt.emitFailures).toBe(store.failures);
    expect(rt.current.primaryState).toBe('ready');
  });

  it('emits land in the order transitions happened even when the store is slow', async () => {
    const order: string[] = [];
    let delay = 30;
    const provider: ChainProvider = {
      connection: {
        append: async (_ws, events) => {
          const d = delay;
          delay = Math.max(0, delay - 10);
          await new Promise((r) => setTimeout(r, d));
          // Batching may put several transitions in one call: record every event, in call order.
          for (const e of events) order.push(String(e.payload.trigger));
          return [];
        },
        read: async () => [],
        verify: async () => ({ ok: true, length: 0, headHash: '' }),
        close: async () => {},
      },
      resolveWorkspaceId: () => WS,
    };
    const rt = createOperationalState({ provider }, { logger: capturingLogger() });
    for (const t of ['one', 'two', 'three', 'four']) await rt.transitionTo('booting', t);
    await rt.flush();
    expect(order).toStrictEqual(['one', 'two', 'three', 'four']);
  });
});
