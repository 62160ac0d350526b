import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../src/cockpit/fleet.js';
import {
  type ChainStore,
  createMemoryChainStore,
  createOperationalState,
  openPostgresChainStore,
  silentLogger,
} from '../../src/index.js';
import { type WorkspaceHead } from '../../src/store/chain/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';
import { PG_URL, privateDatabaseUrl } from '../support/engines.js';

let dir = '';
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

const engines: { name: string; available: boolean; open(): Promise<ChainStore> }[] = [
  { name: 'memory', available: true, open: async () => createMemoryChainStore() },
  {
    name: 'sqlite',
    available: true,
    async open() {
      dir = await mkdtemp(join(tmpdir(), 'opstate-fleet-summary-'));
      return openSqliteChainStore({ file: join(dir, 'chain.db') });
    },
  },
  {
    name: 'postgres',
    available: PG_URL !== null,
    open: async () => openPostgresChainStore({ connectionString: await privateDatabaseUrl() }),
  },
];

/** Three shapes: a transition then its literal, transitions only, and a literal before any transition. */
async function fill(store: ChainStore): Promise<void> {
  const rt = createOperationalState({ store, workspaceId: 'b-paused' }, { logger: silentLogger });
  await rt.transitionTo('ready', 'gates pass', { claimPermission: 'normal' });
  await rt.send({ type: 'PAUSE', cause: 'cost_limit', addReasons: ['cost'] });
  await rt.flush();
  await rt.stop();
  const move = (from: string, to: string, trigger: string) => ({
    eventType: GENERIC_TRANSITION_EVENT,
    payload: {
      from_primary_state: from,
      to_primary_state: to,
      claim_permission: 'normal',
      degradation_reasons: [],
      trigger,
    },
  });
  await store.append('a-moves', [move('booting', 'ready', 'one'), move('ready', 'active', 'two')]);
  await store.append('a-moves', [move('active', 'ready', 'three')]);
  await store.append('c-literal-only', [{ eventType: 'kora.boot.failed', payload: { why: 'x' } }]);
}

const shape = (h: WorkspaceHead) => ({
  ...h,
  headHash: h.headHash.length,
  lastEventAt: typeof h.lastEventAt,
  lastTransition: h.lastTransition === null ? null : { ...h.lastTransition, occurredAt: 'set' },
});

describe.each(engines)('fleet summary on $name', (engine) => {
  it.skipIf(!engine.available)(
    "reports each workspace's head and last transition, sorted, the same on every engine",
    async () => {
      const store = await engine.open();
      try {
        await fill(store);
        const heads = await store.fleetSummary!();
        expect(heads.map((h) => h.workspaceId)).toStrictEqual(['a-moves', 'b-paused', 'c-literal-only']);
        for (const h of heads) {
          const v = await store.verify(h.workspaceId);
          expect(v.ok && v.headHash).toBe(h.headHash);
        }
        expect(heads.map(shape)).toStrictEqual([
          {
            workspaceId: 'a-moves',
            seq: 3,
            headHash: 64,
            lastEventType: GENERIC_TRANSITION_EVENT,
            lastEventAt: 'string',
            transitions: 3,
            lastTransition: {
              seq: 3,
              occurredAt: 'set',
              payload: {
                claim_permission: 'normal',
                degradation_reasons: [],
                from_primary_state: 'active',
                to_primary_state: 'ready',
                trigger: 'three',
              },
            },
          },
          {
            workspaceId: 'b-paused',
            seq: 3,
            headHash: 64,
            lastEventType: 'kora.paused.cost_limit',
            lastEventAt: 'string',
            transitions: 2,
            lastTransition: {
              seq: 2,
              occurredAt: 'set',
              payload: {
                claim_permission: 'normal',
                degradation_reasons: ['cost'],
                from_primary_state: 'ready',
                to_primary_state: 'paused',
                trigger: 'cost 100%',
              },
            },
          },
          {
            workspaceId: 'c-literal-only',
            seq: 1,
            headHash: 64,
            lastEventType: 'kora.boot.failed',
            lastEventAt: 'string',
            transitions: 0,
            lastTransition: null,
          },
        ]);
      } finally {
        await store.close();
      }
    },
  );

  it.skipIf(!engine.available)(
    'pages in id order (after, limit) give the same heads as one summary; bad page options are refused',
    async () => {
      const store = await engine.open();
      try {
        await fill(store);
        const all = await store.fleetSummary!();
        const first = await store.fleetSummary!({ limit: 2 });
        const rest = await store.fleetSummary!({ after: first.at(-1)!.workspaceId, limit: 2 });
        expect([...first, ...rest]).toStrictEqual(all);
        expect(await store.fleetSummary!({ after: 'c-literal-only' })).toStrictEqual([]);
        await expect(store.fleetSummary!({ limit: 0 })).rejects.toThrow(
          /invalid fleet summary options: limit .*got \{"limit":0\}/,
        );
        await expect(store.fleetSummary!({ after: 7 } as never)).rejects.toThrow(/after .*got \{"after":7\}/);
      } finally {
        await store.close();
      }
    },
  );

  it.skipIf(!engine.available)(
    'gives the cockpit its table without reading any chain; the chains verify behind it',
    async () => {
      const store = await engine.open();
      try {
        await fill(store);
        let reads = 0;
        const counted: ChainStore = Object.assign(Object.create(store) as ChainStore, {
          read: (...args: Parameters<ChainStore['read']>) => {
            reads += 1;
            return store.read(...args);
          },
        });
        const fleet = new Fleet(counted, { logger: silentLogger });
        await fleet.load();
        expect(reads).toBe(0);
        expect(fleet.get('b-paused')).toMatchObject({
          state: 'paused',
          degradationReasons: ['cost'],
          lastTrigger: 'cost 100%',
          lastEdge: 'ready|paused',
          lastLiteral: 'kora.paused.cost_limit',
          transitions: 2,
          chainLength: 3,
        });
        expect(fleet.get('c-literal-only')).toMatchObject({ state: null, lastLiteral: 'kora.boot.failed' });
        await fleet.verified();
        expect(fleet.progress()).toStrictEqual({ verified: 3, total: 3 });
        expect(fleet.summaries().map((s) => s.verifies)).toStrictEqual([true, true, true]);
        fleet.close();
      } finally {
        await store.close();
      }
    },
  );
});

describe('a fleet larger than the first page', () => {
  it('shows the first page before the rest is in, hears every page land, then verifies them all', async () => {
    const store = createMemoryChainStore();
    const ids = Array.from({ length: 2_500 }, (_, i) => `ws-${String(i).padStart(4, '0')}`);
    for (const ws of ids) {
      await store.append(ws, [
        {
          eventType: GENERIC_TRANSITION_EVENT,
          payload: {
            from_primary_state: 'booting',
            to_primary_state: 'ready',
            claim_permission: 'normal',
            degradation_reasons: [],
            trigger: 'up',
          },
        },
      ]);
    }
    const fleet = new Fleet(store, { logger: silentLogger });
    const pages: string[][] = [];
    fleet.subscribe((rows) => pages.push(rows.map((r) => r.workspaceId)));
    await fleet.loadFirstPage();
    expect(fleet.loaded).toBe(false);
    expect(fleet.summaries().map((s) => s.workspaceId)).toStrictEqual(ids.slice(0, 1_000));
    expect(fleet.progress().verified).toBe(0);
    await fleet.load();
    expect(fleet.loaded).toBe(true);
    expect(pages.slice(0, 2)).toStrictEqual([ids.slice(0, 1_000), ids.slice(1_000)]);
    expect(fleet.summaries().map((s) => s.workspaceId)).toStrictEqual(ids);
    await fleet.verified();
    expect(fleet.progress()).toStrictEqual({ verified: 2_500, total: 2_500 });
    expect(fleet.summaries().every((s) => s.verifies === true && s.state === 'ready')).toBe(true);
    fleet.close();
  });
});
