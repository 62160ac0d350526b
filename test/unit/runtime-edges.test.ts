import { describe, expect, it, vi } from 'vitest';
import {
  type ChainStore,
  consoleLogger,
  createMemoryChainStore,
  createOperationalState,
  EmitFlushTimeoutError,
  InvalidStateTransitionError,
  OperationalStateInputError,
} from '../../src/index.js';
import { capturingLogger } from '../support/stores.js';

const WS = 'ws-edges';

function runtime(options: Parameters<typeof createOperationalState>[1] = {}) {
  const store = createMemoryChainStore();
  const logger = capturingLogger();
  const rt = createOperationalState({ store, workspaceId: WS }, { logger, ...options });
  return { rt, store, logger };
}

describe('defect 1: re-entrant sends get the truth, in order', () => {
  it('a listener that sends synchronously: both calls resolve, 3 chain events, final state active', async () => {
    const { rt, store } = runtime();
    const nested: Promise<unknown>[] = [];
    rt.addListener((_from, to) => {
      if (to.primaryState === 'ready') nested.push(rt.send({ type: 'CLAIM_ACQUIRED' }));
    });
    const outer = await rt.send({ type: 'GATES_PASSED' });
    expect(outer.primaryState).toBe('ready');
    expect(nested).toHaveLength(1);
    await expect(nested[0]).resolves.toMatchObject({ primaryState: 'active' });
    await rt.flush();
    expect(rt.current.primaryState).toBe('active');
    expect(await store.read(WS)).toHaveLength(3);
  });

  it('an actor.subscribe callback that calls transitionTo synchronously', async () => {
    const { rt } = runtime();
    const nested: Promise<unknown>[] = [];
    rt.actor.subscribe((s) => {
      if (s.value === 'ready' && nested.length === 0) nested.push(rt.transitionTo('active', 'claim'));
    });
    await expect(rt.transitionTo('ready', 'gates')).resolves.toMatchObject({ primaryState: 'ready' });
    await expect(nested[0]).resolves.toMatchObject({ primaryState: 'active' });
  });

  it('an async listener that sends before its first await', async () => {
    const { rt } = runtime();
    let nested: Promise<unknown> | undefined;
    rt.addListener(async (_from, to) => {
      if (to.primaryState === 'ready') nested = rt.send({ type: 'CLAIM_ACQUIRED' });
      await Promise.resolve();
    });
    await expect(rt.send({ type: 'GATES_PASSED' })).resolves.toMatchObject({ primaryState: 'ready' });
    await expect(nested).resolves.toMatchObject({ primaryState: 'active' });
  });

  it('a re-entrant send the chart refuses rejects, and only it', async () => {
    const { rt } = runtime();
    let nested: Promise<unknown> | undefined;
    rt.addListener((_from, to) => {
      if (to.primaryState === 'ready') nested = rt.send({ type: 'CLAIM_RELEASED' });
    });
    await expect(rt.send({ type: 'GATES_PASSED' })).resolves.toMatchObject({ primaryState: 'ready' });
    await expect(nested).rejects.toThrow(InvalidStateTransitionError);
    await expect(nested).rejects.toThrow(/CLAIM_RELEASED is not accepted in state ready/);
  });

  it('re-entrant transitionTo targets are resolved against the state they are applied in', async () => {
    const { rt } = runtime();
    const results: Promise<unknown>[] = [];
    rt.addListener((_from, to) => {
      if (to.primaryState === 'ready' && results.length === 0) {
        results.push(rt.transitionTo('active', 'claim'), rt.transitionTo('ready', 'release'));
      }
    });
    await rt.transitionTo('ready', 'gates');
    await expect(Promise.all(results)).resolves.toMatchObject([
      { primaryState: 'active' },
      { primaryState: 'ready' },
    ]);
    expect(rt.history().map((h) => `${h.from}>${h.to}`)).toStrictEqual([
      'booting>ready',
      'ready>active',
      'active>ready',
    ]);
  });
});

/** A store whose append never answers (and holds no handle). */
function hungStore(): ChainStore {
  const inner = createMemoryChainStore();
  return { ...inner, append: () => new Promise(() => {}) } as ChainStore;
}

describe('defect 3: a timed stop settles in its time whatever came before', () => {
  it('stop({ flushTimeoutMs }) after an untimed stop() settles; both settle', async () => {
    const rt = createOperationalState({ store: hungStore(), workspaceId: WS }, { logger: capturingLogger() });
    await rt.transitionTo('ready', 'gates');
    const first = rt.stop();
    const started = Date.now();
    await expect(rt.stop({ flushTimeoutMs: 100 })).rejects.toThrow(EmitFlushTimeoutError);
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(first).rejects.toThrow(EmitFlushTimeoutError);
    expect(rt.actor.getSnapshot().status).toBe('stopped');
  });
});

describe('small: errors after stop say the runtime is stopped', () => {
  it('transitionTo after stop() names the stopped runtime, not the table', async () => {
    const { rt } = runtime();
    await rt.transitionTo('ready', 'gates');
    await rt.stop();
    const err = await rt.transitionTo('ready', 'again').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidStateTransitionError);
    expect(String((err as Error).message)).toMatch(/the runtime is stopped/);
    expect(String((err as Error).message)).not.toMatch(/not in TRANSITION_TABLE/);
  });
});

describe('small: a number trigger names itself once', () => {
  it('says "got number 42" exactly once', async () => {
    const { rt } = runtime();
    const err = (await rt.transitionTo('ready', 42 as never).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(OperationalStateInputError);
    expect(err.message.match(/got number 42/g)).toHaveLength(1);
  });
});

describe('issue 16: hostile inputs surface as the typed input error', () => {
  const throwingGetter = (key: string) =>
    Object.defineProperty({ type: 'GATES_PASSED' }, key, {
      enumerable: true,
      get() {
        throw new Error('getter exploded');
      },
    });
  const revoked = () => {
    const { proxy, revoke } = Proxy.revocable({ type: 'GATES_PASSED' }, {});
    revoke();
    return proxy;
  };

  it('send() with a throwing getter or a revoked proxy', async () => {
    const { rt } = runtime();
    for (const bad of [throwingGetter('trigger'), throwingGetter('type'), revoked()]) {
      const err = await rt.send(bad as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OperationalStateInputError);
      expect((err as OperationalStateInputError).field).toMatch(/event/);
    }
    expect(rt.current.primaryState).toBe('booting');
  });

  it('transitionTo() with a throwing posture getter or a revoked posture proxy', async () => {
    const { rt } = runtime();
    const posture = Object.defineProperty({}, 'addReasons', {
      enumerable: true,
      get() {
        throw new Error('getter exploded');
      },
    });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    for (const bad of [posture, proxy]) {
      const err = await rt.transitionTo('ready', 'gates', bad as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OperationalStateInputError);
      expect((err as OperationalStateInputError).field).toMatch(/posture/);
    }
  });

  it('createOperationalState() with a throwing target/options getter or revoked proxies', () => {
    const store = createMemoryChainStore();
    const badTarget = Object.defineProperty({ workspaceId: WS }, 'store', {
      enumerable: true,
      get() {
        throw new Error('getter exploded');
      },
    });
    const { proxy: revokedTarget, revoke: r1 } = Proxy.revocable({ store, workspaceId: WS }, {});
    r1();
    const badOptions = Object.defineProperty({}, 'logger', {
      enumerable: true,
      get() {
        throw new Error('getter exploded');
      },
    });
    const { proxy: revokedOptions, revoke: r2 } = Proxy.revocable({}, {});
    r2();
    const cases: [unknown, unknown, RegExp][] = [
      [badTarget, {}, /target|store/],
      [revokedTarget, {}, /target/],
      [{ store, workspaceId: WS }, badOptions, /options|logger/],
      [{ store, workspaceId: WS }, revokedOptions, /options/],
    ];
    for (const [target, options, field] of cases) {
      let err: unknown;
      try {
        createOperationalState(target as never, options as never);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OperationalStateInputError);
      expect((err as OperationalStateInputError).field).toMatch(field);
    }
  });
});

describe('issue 16: hostile flush and stop options', () => {
  it('flush() and stop() with a throwing options getter reject with the input error', async () => {
    const { rt } = runtime();
    const bad = (key: string) =>
      Object.defineProperty({}, key, {
        enumerable: true,
        get() {
          throw new Error('getter exploded');
        },
      });
    await expect(rt.flush(bad('timeoutMs') as never)).rejects.toThrow(OperationalStateInputError);
    await expect(rt.stop(bad('flushTimeoutMs') as never)).rejects.toThrow(OperationalStateInputError);
    await rt.stop();
  });
});

describe('issue 16: failures are logged with their error', () => {
  it('a throwing transition listener is logged with its err', async () => {
    const { rt, logger } = runtime();
    const boom = new Error('listener exploded');
    rt.addListener(() => {
      throw boom;
    });
    await rt.transitionTo('ready', 'gates');
    const entry = logger.entries.find((e) => /transition listener failed/.test(e.message ?? ''));
    expect(entry?.fields.err).toBe(boom);
    expect(entry?.message).toMatch(/listener exploded/);
  });

  it('the default logger prints the err of an error log', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      consoleLogger.error({ err: new Error('disk full'), from: 'ready' }, 'emit failed');
      const printed = spy.mock.calls.flat().map(String).join(' ');
      expect(printed).toMatch(/disk full/);
      expect(printed).toMatch(/emit failed/);
    } finally {
      spy.mockRestore();
    }
  });
});
