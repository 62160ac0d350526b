/*
 * Bad input and faults at resume: the workspace-id refusal is createOperationalState's own; a store that
 * is down makes resume reject with the store's typed error after its timeouts (no hang), or wait for it
 * with `resume.waitForStore`; nothing is claimed or started by a resume that failed before its claim.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  ChainStoreError,
  createMemoryChainStore,
  createOperationalState,
  OperationalStateInputError,
  type OperationalStateRuntime,
  openPostgresChainStore,
  type PostgresChainStore,
  resumeOperationalState,
  silentLogger,
} from '../../src/index.js';
import { freshWorkspace, PG_URL } from '../support/engines.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
});

describe('resume: bad input', () => {
  it('refuses a workspace id with the same error as createOperationalState', async () => {
    const store = createMemoryChainStore();
    for (const bad of ['', 'ws-\ud800', 'x'.repeat(300), 42]) {
      let expected: unknown;
      try {
        createOperationalState({ store, workspaceId: bad as string });
      } catch (err) {
        expected = err;
      }
      expect(expected).toBeInstanceOf(OperationalStateInputError);
      await expect(resumeOperationalState({ store, workspaceId: bad as string })).rejects.toStrictEqual(
        expected,
      );
    }
  });

  it('refuses unusable resume options by name, before touching the store', async () => {
    const store = createMemoryChainStore();
    const ws = freshWorkspace();
    const cases: [unknown, RegExp][] = [
      [{ waitForStore: 'yes' }, /options\.resume\.waitForStore/],
      [{ policy: { afterStopped: 'stopped' } }, /options\.resume\.policy\.afterStopped/],
      [{ policy: { afterPaused: 'booting' } }, /options\.resume\.policy\.afterPaused/],
      [{ checkpoint: {} }, /options\.resume\.publicKey/],
      [{ storeTimeoutMs: 0 }, /options\.resume\.storeTimeoutMs/],
      [{ typo: 1 }, /options\.resume\.typo/],
    ];
    for (const [resume, message] of cases) {
      await expect(resumeOperationalState({ store, workspaceId: ws }, { resume } as never)).rejects.toThrow(
        message,
      );
    }
    await expect(
      resumeOperationalState({ store, workspaceId: ws }, { snapshot: {} } as never),
    ).rejects.toBeInstanceOf(OperationalStateInputError);
    expect(await store.ownership.current(ws)).toBeNull();
  });
});

describe.skipIf(PG_URL === null)('[postgres] resume while the store is down', () => {
  async function behindProxy(): Promise<{ proxy: TcpProxy; store: PostgresChainStore }> {
    const target = new URL(PG_URL ?? '');
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    closers.push(() => proxy.close());
    const via = new URL(PG_URL ?? '');
    via.port = String(proxy.port);
    const store = await openPostgresChainStore({
      connectionString: via.toString(),
      connectTimeoutMs: 700,
      queryTimeoutMs: 700,
    });
    closers.push(() => store.close());
    return { proxy, store };
  }

  it('rejects with the store’s typed error after its timeouts, for a server that refuses and one that hangs', async () => {
    const { proxy, store } = await behindProxy();
    const ws = freshWorkspace();
    for (const mode of ['down', 'stall'] as const) {
      proxy.setMode(mode);
      const started = Date.now();
      const err = await resumeOperationalState({ store, workspaceId: ws }, { logger: silentLogger }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ChainStoreError);
      expect(['unavailable', 'timeout']).toContain((err as ChainStoreError).kind);
      expect(Date.now() - started).toBeLessThan(15_000);
    }
    proxy.setMode('up');
    const rt = await resumeOperationalState({ store, workspaceId: ws }, { logger: silentLogger });
    closers.push(() => rt.stop());
    expect(rt.current.primaryState).toBe('booting');
  }, 60_000);

  it('waits for the store with resume.waitForStore, then resumes where the chain ends', async () => {
    const { proxy, store } = await behindProxy();
    const ws = freshWorkspace();
    const first = createOperationalState({ store, workspaceId: ws }, { logger: silentLogger });
    await first.transitionTo('ready', 'all §9.2 gates pass');
    await first.transitionTo('paused', 'operator', { addReasons: ['operator'] });
    await first.stop();
    proxy.setMode('down');
    let settled = false;
    const resumed = resumeOperationalState(
      { store, workspaceId: ws },
      { logger: silentLogger, resume: { waitForStore: true } },
    ).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(settled).toBe(false);
    proxy.setMode('up');
    const rt: OperationalStateRuntime = await resumed;
    closers.push(() => rt.stop());
    expect(rt.current).toMatchObject({ primaryState: 'paused', degradationReasons: ['operator'] });
  }, 60_000);
});
