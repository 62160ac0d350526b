import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../src/cockpit/fleet.js';
import { startCockpit } from '../../src/cockpit/server.js';
import {
  type ChainEvent,
  type ChainStore,
  createMemoryChainStore,
  createOperationalState,
  silentLogger,
} from '../../src/index.js';
import { type ReadOptions } from '../../src/store/chain/index.js';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';
import { fillFleet } from '../support/fill-fleet.js';

/** A real memory store that records the reads it serves (and can hide its watch, or alter a row). */
function observed(
  inner: ChainStore,
  options: { watch?: boolean; alter?: (e: ChainEvent) => ChainEvent } = {},
): ChainStore & { reads: { ws: string; afterSeq: number }[] } {
  const reads: { ws: string; afterSeq: number }[] = [];
  return {
    reads,
    append: (ws, events) => inner.append(ws, events),
    async read(ws: string, o?: ReadOptions) {
      reads.push({ ws, afterSeq: o?.afterSeq ?? 0 });
      const events = await inner.read(ws, o);
      return options.alter ? events.map(options.alter) : events;
    },
    workspaces: () => inner.workspaces!(),
    verify: (ws) => inner.verify(ws),
    ...(options.watch === false ? {} : { watch: (fn) => inner.watch!(fn) }),
    close: () => inner.close(),
  };
}

async function agent(store: ChainStore, ws: string) {
  const rt = createOperationalState({ store, workspaceId: ws }, { logger: silentLogger });
  await rt.transitionTo('ready', 'all §9.2 gates pass', { claimPermission: 'normal' });
  await rt.flush();
  return rt;
}

const changedOnce = (fleet: Fleet) =>
  new Promise<string[]>((resolve) => {
    const off = fleet.subscribe((rows) => {
      off();
      resolve(rows.map((r) => r.workspaceId));
    });
  });

describe('cockpit fleet', () => {
  it('rebuilds each workspace from its chain: state, claim, reasons, trigger, literal, counts, since', async () => {
    const store = createMemoryChainStore();
    const rt = await agent(store, 'a');
    await rt.send({ type: 'PAUSE', cause: 'cost_limit', addReasons: ['cost'] });
    await rt.flush();
    const fleet = new Fleet(store);
    await fleet.load();
    await fleet.verified();
    const paused = fleet.get('a')!;
    expect(paused).toMatchObject({
      state: 'paused',
      claimPermission: 'normal',
      degradationReasons: ['cost'],
      lastTrigger: 'cost 100%',
      lastEdge: 'ready|paused',
      lastLiteral: 'kora.paused.cost_limit',
      transitions: 2,
      chainLength: 4,
      verifies: true,
      divergence: null,
    });
    // A same-state update is a transition but not a new state: time in state keeps counting.
    await new Promise((r) => setTimeout(r, 5));
    await rt.transitionTo('paused', 'posture update', { addReasons: ['auth'] });
    await rt.flush();
    await fleet.load();
    expect(fleet.get('a')).toMatchObject({
      transitions: 3,
      stateSince: paused.stateSince,
      degradationReasons: ['auth', 'cost'],
    });
    await rt.stop();
  });

  it('follows the store by its watch and reads only what is new, for the workspace that moved', async () => {
    const store = observed(createMemoryChainStore());
    const rts = await Promise.all(['a', 'b', 'c'].map((ws) => agent(store, ws)));
    const fleet = new Fleet(store);
    await fleet.load();
    await fleet.verified();
    fleet.follow();
    expect(fleet.feed).toBe('watch');
    store.reads.length = 0;
    const changed = changedOnce(fleet);
    await rts[1]!.send({ type: 'CLAIM_ACQUIRED' });
    await rts[1]!.flush();
    expect(await changed).toStrictEqual(['b']);
    await fleet.settled();
    expect(store.reads).toStrictEqual([{ ws: 'b', afterSeq: 2 }]);
    expect(fleet.get('b')?.state).toBe('active');
    fleet.close();
    await Promise.all(rts.map((rt) => rt.stop()));
  });

  it('polls read(afterSeq) per workspace when the store has no watch', async () => {
    const store = observed(createMemoryChainStore(), { watch: false });
    const rt = await agent(store, 'a');
    const fleet = new Fleet(store, { pollMs: 20 });
    await fleet.load();
    await fleet.verified();
    fleet.follow();
    expect(fleet.feed).toBe('poll');
    const changed = changedOnce(fleet);
    await rt.send({ type: 'STOP' });
    await rt.flush();
    expect(await changed).toStrictEqual(['a']);
    expect(fleet.get('a')?.state).toBe('stopped');
    // Every poll after the first load starts after the seq already read.
    expect(store.reads.filter((r) => r.afterSeq === 0)).toHaveLength(1);
    fleet.close();
    await rt.stop();
  });

  it("verifies with the store's verify first, then every event read after it; names seq and kind", async () => {
    const inner = createMemoryChainStore();
    const rt = await agent(inner, 'a');
    // What the store hands out for seq 3 differs from what it hashed: a row edited behind its back.
    const store = observed(inner, {
      alter: (e) => (e.seq === 3 ? { ...e, payload: { ...e.payload, trigger: 'forged' } } : e),
    });
    const fleet = new Fleet(store);
    await fleet.load();
    expect(fleet.get('a')?.verifies).toBeNull(); // the table first, the verdict in the background
    await fleet.verified();
    expect(fleet.get('a')).toMatchObject({ verifies: true, chainLength: 2 });
    fleet.follow();
    await rt.send({ type: 'CLAIM_ACQUIRED' });
    await rt.flush();
    await new Promise((r) => setTimeout(r, 20));
    await fleet.settled();
    expect(fleet.get('a')).toMatchObject({
      state: 'active',
      verifies: false,
      divergence: { seq: 3, kind: 'hash_mismatch' },
    });
    fleet.close();
    await rt.stop();
  });

  it('serves on loopback only unless told otherwise', async () => {
    await expect(startCockpit({ store: createMemoryChainStore(), host: '0.0.0.0' })).rejects.toMatchObject({
      name: 'InspectorError',
      kind: 'not_loopback',
      detail: '0.0.0.0',
    });
    const cockpit = await startCockpit({ store: createMemoryChainStore(), logger: silentLogger });
    expect(cockpit.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
    await cockpit.close();
  });

  it('refuses a store that cannot list its workspaces, and a bad poll interval, naming them', () => {
    const { workspaces: _w, ...unlisted } = createMemoryChainStore();
    expect(() => new Fleet(unlisted as ChainStore)).toThrow(/lists its workspaces/);
    expect(() => new Fleet(createMemoryChainStore(), { pollMs: 0 })).toThrow(/pollMs/);
  });
});

describe('cockpit fleet at scale (SQLite file)', () => {
  let dir = '';
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('loads 1,000 workspaces × 100 events (time: npm run bench:cockpit); what it keeps does not grow with the chains', async () => {
    dir = await mkdtemp(join(tmpdir(), 'opstate-fleet-'));
    const short = join(dir, 'short.db');
    const long = join(dir, 'long.db');
    await fillFleet(short, 1000, 10);
    await fillFleet(long, 1000, 100);

    const kept: number[] = [];
    for (const file of [short, long]) {
      const store = await openSqliteChainStore({ file, readOnly: true });
      const fleet = new Fleet(store);
      const started = performance.now();
      await fleet.load();
      const ms = performance.now() - started;
      await fleet.verified();
      const verifiedMs = performance.now() - started;
      expect(fleet.size).toBe(1000);
      if (file === long) {
        console.log(
          `cockpit load: 1000 workspaces × 100 events: table in ${ms.toFixed(0)} ms, all verified in ${verifiedMs.toFixed(0)} ms`,
        );
        expect(fleet.get('ws-0999')).toMatchObject({
          chainLength: 100,
          transitions: 100,
          verifies: true,
          state: 'active',
        });
      }
      // The fleet's state is its summaries (plus one head hash each): the same size for 10 or 100 events.
      kept.push(JSON.stringify(fleet.summaries()).length);
      fleet.close();
      await store.close();
    }
    console.log(`cockpit state: ${kept[0]} bytes of summaries at 10 events/workspace, ${kept[1]} at 100`);
    expect(kept[1]! / kept[0]!).toBeLessThan(1.05);
  }, 120_000);
});
