import { describe, expect, it } from 'vitest';
import {
  type ChainProvider,
  createOperationalState,
  GENERIC_TRANSITION_EVENT,
  OperationalStateEmitError,
} from '../../src/index.js';
import { capturingLogger, faultyStore } from '../support/stores.js';

const WS = 'ws-faults';

describe.each(['throw', 'reject', 'hang'] as const)('a store that %ss on append', (mode) => {
  it('never stops the machine; each failure is logged once as OperationalStateEmitError; flush settles', async () => {
    const store = faultyStore(mode);
    const logger = capturingLogger();
    const rt = createOperationalState({ store, workspaceId: WS }, { logger, appendTimeoutMs: 50 });
    const outcomes: boolean[] = [];
    rt.onEmit((o) => outcomes.push(o.ok));

    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.transitionTo('active', 'claim acquired');
    await rt.transitionTo('paused', 'cost 100%');
    expect(rt.current.primaryState).toBe('paused');
    await rt.flush();

    expect(store.attempts).toBe(3);
    expect(outcomes).toStrictEqual([false, false, false]);
    expect(rt.emitFailures).toBe(3);
    expect(rt.pendingEmits).toBe(0);
    const errors = logger.entries.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(3);
    for (const [i, entry] of errors.entries()) {
      expect(entry.fields.err).toBeInstanceOf(OperationalStateEmitError);
      const err = entry.fields.err as OperationalStateEmitError;
      expect(entry.fields.eventType).toBe(GENERIC_TRANSITION_EVENT);
      expect(entry.message).toBe(err.message);
      expect(err.cause).toMatch(mode === 'hang' ? /did not answer within 50 ms/ : /Sea MCP unavailable/);
      expect(entry.fields).toMatchObject({
        from: ['booting', 'ready', 'active'][i],
        to: ['ready', 'active', 'paused'][i],
      });
    }
    // The machine counted the failures it was told about, and is still running.
    const snapshot = rt.actor.getSnapshot();
    expect(snapshot.status).toBe('active');
    expect(snapshot.context.emitFailures).toBe(3);
    expect(snapshot.context.lastEmitFailure?.eventType).toBe(GENERIC_TRANSITION_EVENT);
    await rt.stop();
  });
});

describe('preflight failures inside the runtime', () => {
  it('a provider whose workspace resolver throws: logged, counted, machine keeps moving', async () => {
    const logger = capturingLogger();
    const provider: ChainProvider = {
      connection: faultyStore('throw'),
      resolveWorkspaceId: async () => {
        throw new Error('no org yet');
      },
    };
    const rt = createOperationalState({ provider }, { logger });
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.transitionTo('active', 'claim acquired');
    await rt.flush();
    expect(rt.current.primaryState).toBe('active');
    expect(rt.emitFailures).toBe(2);
    const err = logger.entries[0]?.fields.err as OperationalStateEmitError;
    expect(err.cause).toContain('workspace_id resolution raised');
    expect(err.cause).toContain('no org yet');
  });

  it('a provider without a connection yet fails loudly per transition', async () => {
    const logger = capturingLogger();
    const rt = createOperationalState(
      { provider: { connection: null, resolveWorkspaceId: () => WS } },
      { logger },
    );
    await rt.transitionTo('booting', 'staging');
    await rt.flush();
    expect((logger.entries[0]?.fields.err as OperationalStateEmitError | undefined)?.cause).toContain(
      'connection not initialized',
    );
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
    const rt = createOperationalState({ store: faultyStore('reject'), workspaceId: WS }, { logger });
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.flush();
    expect(rt.emitFailures).toBe(1);
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
          order.push(String(events[0]?.payload.trigger));
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
