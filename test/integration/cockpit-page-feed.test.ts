import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { describeWatchMode, Fleet } from '../../src/cockpit/fleet.js';
import { type CockpitHandle, startCockpit } from '../../src/cockpit/server.js';
import type { CockpitMessage, CockpitViewRequest } from '../../src/cockpit/wire.js';
import { type ChainStore, createMemoryChainStore, silentLogger } from '../../src/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';

const WORKSPACES = 1_200;
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
const id = (i: number) => `w${String(i).padStart(4, '0')}`;

/** A page's socket: every message it got, and a wait for the next one that passes `test`. */
async function page(cockpit: CockpitHandle) {
  const ws = new WebSocket(`ws://127.0.0.1:${cockpit.port}/ws?token=${cockpit.token}`);
  const got: { message: CockpitMessage; bytes: number }[] = [];
  const waiters: { test: (m: CockpitMessage) => boolean; resolve: (m: CockpitMessage) => void }[] = [];
  ws.on('message', (data) => {
    const text = String(data);
    const message = JSON.parse(text) as CockpitMessage;
    got.push({ message, bytes: text.length });
    for (const w of [...waiters]) {
      if (!w.test(message)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(message);
    }
  });
  await new Promise((resolve) => ws.once('open', resolve));
  return {
    ws,
    got,
    next: (test: (m: CockpitMessage) => boolean = () => true) =>
      new Promise<CockpitMessage>((resolve) => {
        const seen = got.find((g) => test(g.message));
        if (seen !== undefined) resolve(seen.message);
        else waiters.push({ test, resolve });
      }),
    ask: (view: Partial<CockpitViewRequest>) =>
      ws.send(
        JSON.stringify({
          type: 'view',
          sort: 'workspace',
          ascending: true,
          filter: null,
          search: '',
          offset: 0,
          limit: 50,
          open: null,
          ...view,
        }),
      ),
  };
}

describe('cockpit socket: a slice of the view, never the whole fleet', () => {
  let store: ChainStore;
  let cockpit: CockpitHandle;
  beforeAll(async () => {
    store = createMemoryChainStore();
    for (let i = 0; i < WORKSPACES; i += 1) {
      await store.append(id(i), [
        move('booting', 'ready', 'up'),
        ...(i % 4 === 0 ? [move('ready', 'paused', 'cost')] : []),
      ]);
    }
    cockpit = await startCockpit({ store, logger: silentLogger });
  });
  afterAll(async () => {
    await cockpit.close();
    await store.close();
  });

  it('opens with the first screen, counts over the whole fleet, the watch mode and verify progress', async () => {
    const p = await page(cockpit);
    const first = await p.next();
    expect(first).toMatchObject({ type: 'window', total: WORKSPACES, shown: WORKSPACES, offset: 0 });
    expect(first.rows.length).toBeLessThanOrEqual(100);
    expect(first.rows[0]?.workspaceId).toBe('w0000');
    expect(first.counts).toStrictEqual({ ready: 900, paused: 300 });
    expect(first.watch).toMatchObject({ kind: 'push' });
    expect(first.verified).toBeLessThanOrEqual(WORKSPACES);
    await p.next((m) => m.verified === WORKSPACES);
    // Every message is a slice: bounded by the window, not by the fleet.
    expect(Math.max(...p.got.map((g) => g.bytes))).toBeLessThan(100_000);
    p.ws.close();
  });

  it('filters and sorts on the server and sends the slice asked for', async () => {
    const p = await page(cockpit);
    await p.next();
    p.ask({ filter: 'paused', sort: 'workspace', ascending: false, offset: 10, limit: 5 });
    const m = await p.next((x) => x.offset === 10);
    expect(m.shown).toBe(300);
    expect(m.rows.map((r) => r.workspaceId)).toStrictEqual(
      [1196 - 40, 1196 - 44, 1196 - 48, 1196 - 52, 1196 - 56].map(id),
    );
    p.ask({ search: 'W011', sort: 'state', offset: 0, limit: 20 });
    const found = await p.next((x) => x.shown === 10);
    expect(found.rows.map((r) => r.state)).toStrictEqual([
      ...Array(8).fill('ready'),
      ...Array(2).fill('paused'),
    ]);
    p.ws.close();
  });

  it('shows a transition in the slice on the next tick, and the open row wherever it is', async () => {
    const p = await page(cockpit);
    await p.next();
    p.ask({ open: 'w1199' });
    await p.next((m) => m.open?.workspaceId === 'w1199');
    const at = Date.now();
    await store.append('w0003', [move('ready', 'stopped', 'shutdown')]);
    await store.append('w1199', [move('ready', 'active', 'claim')]);
    const m = await p.next((x) => x.rows.some((r) => r.workspaceId === 'w0003' && r.state === 'stopped'));
    expect(Date.now() - at).toBeLessThan(1000);
    await p.next((x) => x.open?.state === 'active');
    expect(m.counts.stopped).toBe(1);
    p.ws.close();
  });

  it('closes the socket on a bad view request, naming the field', async () => {
    const p = await page(cockpit);
    await p.next();
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      p.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    p.ask({ limit: 100_000 });
    expect(await closed).toMatchObject({ code: 1008, reason: expect.stringMatching(/limit/) });
  });
});

describe('cockpit watch mode', () => {
  it("says the store's own mode on the page and in words, and its poll interval when it has no feed", async () => {
    const inner = createMemoryChainStore();
    await inner.append('a', [move('booting', 'ready', 'up')]);
    const pooled: ChainStore = Object.assign(Object.create(inner) as ChainStore, {
      watchMode: () => ({
        kind: 'poll' as const,
        intervalMs: 1000,
        detail: 'pooled URL: no LISTEN connection',
      }),
    });
    const cockpit = await startCockpit({ store: pooled, logger: silentLogger });
    try {
      const p = await page(cockpit);
      expect((await p.next()).watch).toStrictEqual({
        kind: 'poll',
        intervalMs: 1000,
        detail: 'pooled URL: no LISTEN connection',
      });
      expect(describeWatchMode(cockpit.fleet.watchMode())).toBe(
        'watching: poll every 1000 ms (pooled URL: no LISTEN connection)',
      );
      p.ws.close();
    } finally {
      await cockpit.close();
    }
    const { watch: _none, ...feedless } = inner;
    const polling = new Fleet(feedless as ChainStore, { pollMs: 250, logger: silentLogger });
    polling.follow();
    expect(describeWatchMode(polling.watchMode())).toBe(
      'watching: poll every 250 ms (the store has no change feed: polling)',
    );
    polling.close();
  });
});
