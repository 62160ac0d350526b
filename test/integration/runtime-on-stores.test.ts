import { afterAll, describe, expect, it } from 'vitest';
import {
  type ChainStore,
  createOperationalState,
  OperationalStateEmitError,
  openPostgresChainStore,
  type OperationalStateRuntime,
} from '../../src/index.js';
import { BOOT_READY_EVENT, GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { freshWorkspace, PG_URL, sharedSqliteStore } from '../support/engines.js';
import { capturingLogger, switchableStore, until } from '../support/stores.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const RUNTIMES = 8;
const TRANSITIONS = 200;
const FAST_RETRY = { initialDelayMs: 10, maxDelayMs: 100 };

/** Each runtime: booting → ready, then TRANSITIONS - 1 claim toggles, every trigger unique. */
async function drive(rt: OperationalStateRuntime, r: number): Promise<string[]> {
  const triggers = [`all §9.2 gates pass (runtime ${r})`];
  await rt.transitionTo('ready', triggers[0] ?? '');
  for (let i = 1; i < TRANSITIONS; i++) {
    const to = i % 2 === 1 ? 'active' : 'ready';
    const trigger = `${to === 'active' ? 'claim acquired' : 'claim released'} r${r} #${i}`;
    triggers.push(trigger);
    await rt.transitionTo(to, trigger);
  }
  await rt.flush({ timeoutMs: 60_000 });
  return triggers;
}

async function checkChain(store: ChainStore, ws: string, triggersByRuntime: string[][]): Promise<void> {
  const all = [];
  for (let after = 0; ;) {
    const page = await store.read(ws, { afterSeq: after, limit: 10_000 });
    if (page.length === 0) break;
    all.push(...page);
    after = page[page.length - 1]?.seq ?? after;
  }
  const expected = triggersByRuntime.reduce((n, t) => n + t.length + 1, 0); // + one boot.ready each
  expect(all).toHaveLength(expected);
  expect(all.map((e) => e.seq)).toStrictEqual(Array.from({ length: expected }, (_, i) => i + 1));
  expect(new Set(all.map((e) => e.prevHash)).size).toBe(expected); // no fork
  expect(new Set(all.map((e) => e.idempotencyKey)).size).toBe(expected);
  // Every transition exactly once, and each runtime's in the order it made them.
  const generic = all
    .filter((e) => e.eventType === GENERIC_TRANSITION_EVENT)
    .map((e) => String(e.payload.trigger));
  for (const triggers of triggersByRuntime) {
    const mine = new Set(triggers);
    expect(generic.filter((t) => mine.has(t))).toStrictEqual(triggers);
  }
  expect(all.filter((e) => e.eventType === BOOT_READY_EVENT)).toHaveLength(triggersByRuntime.length);
  expect(await store.verify(ws)).toMatchObject({ ok: true, length: expected });
}

describe('[sqlite] concurrent runtimes on one workspace', () => {
  it(`${RUNTIMES} runtimes × ${TRANSITIONS} transitions: gap-free, no fork, every event once, verify ok`, async () => {
    const store = await sharedSqliteStore();
    const ws = freshWorkspace('concurrent');
    const runtimes = Array.from({ length: RUNTIMES }, () =>
      createOperationalState({ store, workspaceId: ws }, { logger: capturingLogger() }),
    );
    const started = performance.now();
    const triggers = await Promise.all(runtimes.map((rt, r) => drive(rt, r)));
    const seconds = (performance.now() - started) / 1000;
    console.info(`[sqlite] ${RUNTIMES}×${TRANSITIONS} transitions in ${seconds.toFixed(1)} s`);
    await checkChain(store, ws, triggers);
    for (const rt of runtimes) expect(rt.emitFailures).toBe(0);
  });
});

describe.skipIf(PG_URL === null)('[postgres] concurrent runtimes on one workspace', () => {
  it(`${RUNTIMES} runtimes, each on its own connection × ${TRANSITIONS} transitions: gap-free, no fork, verify ok`, async () => {
    const stores = await Promise.all(
      Array.from({ length: RUNTIMES }, () =>
        openPostgresChainStore({ connectionString: PG_URL ?? '', maxConnections: 1 }),
      ),
    );
    try {
      const ws = freshWorkspace('concurrent');
      const runtimes = stores.map((store) =>
        createOperationalState({ store, workspaceId: ws }, { logger: capturingLogger() }),
      );
      const started = performance.now();
      const triggers = await Promise.all(runtimes.map((rt, r) => drive(rt, r)));
      const seconds = (performance.now() - started) / 1000;
      console.info(
        `[postgres] ${RUNTIMES}×${TRANSITIONS} transitions on ${RUNTIMES} connections in ${seconds.toFixed(1)} s`,
      );
      await checkChain(stores[0] as ChainStore, ws, triggers);
      for (const rt of runtimes) expect(rt.emitFailures).toBe(0);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});

describe.skipIf(PG_URL === null)('[postgres] the server goes away and comes back', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  it.each(['down', 'hang'] as const)(
    'connections %s: the outage is logged once; afterwards every event is there once, in order',
    async (mode) => {
      const target = new URL(PG_URL ?? '');
      const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      closers.push(() => proxy.close());
      const via = new URL(PG_URL ?? '');
      via.port = String(proxy.port);
      const store = await openPostgresChainStore({ connectionString: via.toString() });
      closers.push(() => store.close());
      const ws = freshWorkspace(`outage-${mode}`);
      const logger = capturingLogger();
      const rt = createOperationalState(
        { store, workspaceId: ws },
        { logger, retry: FAST_RETRY, appendTimeoutMs: 300 },
      );
      await rt.transitionTo('ready', 'all §9.2 gates pass');
      await rt.flush({ timeoutMs: 5000 });

      proxy.setMode(mode);
      const triggers = Array.from({ length: 20 }, (_, i) => `posture update ${i}`);
      for (const t of triggers) await rt.transitionTo('ready', t);
      await until(() => rt.emitFailures >= 3, 10_000);
      expect(rt.pendingEmits).toBe(20);
      expect(rt.current.primaryState).toBe('ready'); // the machine kept moving

      proxy.setMode('up');
      await rt.flush({ timeoutMs: 20_000 });
      const events = await store.read(ws);
      expect(events.map((e) => e.payload.trigger)).toStrictEqual([
        'all §9.2 gates pass',
        'all §9.2 gates pass',
        ...triggers,
      ]);
      expect(await store.verify(ws)).toMatchObject({ ok: true, length: 22 });
      // One warning when the outage starts, one info when it ends; the failed retries in between at debug.
      const failures = logger.entries.filter((e) => e.fields.err instanceof OperationalStateEmitError);
      expect(failures.length).toBe(rt.emitFailures);
      expect(failures.map((e) => e.level)).toStrictEqual(['error', ...failures.slice(1).map(() => 'debug')]);
      expect(logger.entries.filter((e) => e.fields.outage === 'ended').map((e) => e.level)).toStrictEqual([
        'info',
      ]);
      await rt.stop();
    },
  );
});

describe('[sqlite] a store that is down then back', () => {
  it('loses nothing, doubles nothing and keeps order', async () => {
    const store = switchableStore('reject', await sharedSqliteStore());
    const ws = freshWorkspace('outage');
    const rt = createOperationalState(
      { store, workspaceId: ws },
      { logger: capturingLogger(), retry: FAST_RETRY },
    );
    const triggers = Array.from({ length: 30 }, (_, i) => `posture update ${i}`);
    for (const t of triggers) await rt.transitionTo('booting', t);
    await until(() => store.failures >= 3);
    store.down = false;
    await rt.flush({ timeoutMs: 10_000 });
    expect((await store.read(ws)).map((e) => e.payload.trigger)).toStrictEqual(triggers);
    expect(await store.verify(ws)).toMatchObject({ ok: true, length: 30 });
  });
});
