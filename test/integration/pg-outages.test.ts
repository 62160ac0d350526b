import { connect, createServer, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { poolOf } from '../../src/store/postgres/pool-registry.js';
import { openPostgresChainStore, type PostgresChainStore } from '../../src/store/postgres/postgres-store.js';
import { cli } from '../support/cli.js';
import { directUrl, freshWorkspace, listenOption, PG_URL, privateDatabaseUrl } from '../support/engines.js';
import { type ProxyMode, startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const event = (n: number) => ({
  eventType: GENERIC_TRANSITION_EVENT,
  payload: { n, trigger: `event ${n}` },
  idempotencyKey: `outage-${n}-${Math.random()}`,
});

/** Settles (either way) and reports how long it took. */
async function settleTime(p: Promise<unknown>): Promise<number> {
  const t = Date.now();
  await p.then(
    () => undefined,
    () => undefined,
  );
  return Date.now() - t;
}

/**
 * A TCP forwarder that can cut every connection, and holds back for `holdMs` what a connection sends from
 * its advisory lock request on (in order): the watcher's lock reaches the server late, as on a slow path.
 */
async function lockDelayingProxy(
  host: string,
  port: number,
  holdMs: number,
): Promise<{ port: number; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on('data', (d: Buffer) => client.write(d));
    let sent = Promise.resolve();
    client.on('data', (d: Buffer) => {
      const hold = d.includes('pg_advisory_lock(');
      sent = sent
        .then(() => (hold ? new Promise((r) => setTimeout(r, holdMs)) : undefined))
        .then(() => void (upstream.destroyed ? undefined : upstream.write(d)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe.skipIf(PG_URL === null)(
  '[postgres] pool hygiene behind a proxy that stalls, black-holes and resets',
  () => {
    const closers: (() => Promise<void>)[] = [];
    afterAll(async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    });

    async function behindProxy(
      options: { maxConnections?: number } = {},
    ): Promise<{ proxy: TcpProxy; store: PostgresChainStore; url: string }> {
      const target = new URL(PG_URL ?? '');
      const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      closers.push(() => proxy.close());
      const via = new URL(PG_URL ?? '');
      via.port = String(proxy.port);
      const store = await openPostgresChainStore({
        connectionString: via.toString(),
        connectTimeoutMs: 700,
        queryTimeoutMs: 700,
        maxConnections: options.maxConnections ?? 4,
      });
      closers.push(() => store.close());
      return { proxy, store, url: via.toString() };
    }

    it('a client whose statement timed out is discarded, never handed out again', async () => {
      const { proxy, store } = await behindProxy({ maxConnections: 2 });
      const pool = poolOf(store);
      const ws = freshWorkspace('discard');
      await store.append(ws, [event(1)]);
      proxy.setMode('stall');
      await expect(store.append(ws, [event(2)])).rejects.toThrow(/timeout/i);
      // The timed-out client left the pool instead of going back to the idle list.
      expect(pool.totalCount).toBeLessThanOrEqual(1);
      proxy.setMode('up');
      // The stalled connection's late answer must not be taken for the next statement's: every append
      // after the outage gets its own, correct result.
      const after = await store.append(ws, [event(3), event(4)]);
      expect(after.map((e) => e.seq)).toStrictEqual((await store.read(ws)).slice(-2).map((e) => e.seq));
      expect(await store.verify(ws)).toMatchObject({ ok: true });
    });

    it('after 10 outages in a row (stall, black hole, reset, down) appends resume within 2 s each time', async () => {
      const { proxy, store } = await behindProxy();
      const ws = freshWorkspace('ten-outages');
      let written = 0;
      await store.append(ws, [event(written++)]);
      const modes: ProxyMode[] = ['blackhole', 'stall', 'reset', 'down', 'hang'];
      for (let outage = 0; outage < 10; outage++) {
        const mode = modes[outage % modes.length] as ProxyMode;
        proxy.setMode(mode);
        // Appends during the outage fail (bounded by the timeouts), several at once to use up the pool.
        const during = await Promise.allSettled([1, 2, 3, 4, 5].map(() => store.append(ws, [event(-1)])));
        const landed = during.filter((r) => r.status === 'fulfilled').length;
        written += landed; // a stall can let one through before the freeze took hold; count what landed
        expect(during.some((r) => r.status === 'rejected')).toBe(true);
        proxy.setMode('up');
        const back = Date.now();
        for (;;) {
          try {
            await store.append(ws, [event(written)]);
            written += 1;
            break;
          } catch {
            if (Date.now() - back > 2000)
              throw new Error(`appends did not resume within 2 s after outage ${outage + 1} (${mode})`);
          }
        }
        expect(Date.now() - back, `resumed after outage ${outage + 1} (${mode})`).toBeLessThanOrEqual(2000);
      }
      const result = await store.verify(ws);
      expect(result).toMatchObject({ ok: true });
      expect(result.length).toBeGreaterThanOrEqual(11);
    }, 60_000);

    it.each(['stall', 'blackhole', 'reset', 'up'] as const)(
      'store.close() settles within 5 s with the server %s and statements in flight',
      async (mode) => {
        const { proxy, store } = await behindProxy();
        const ws = freshWorkspace(`close-${mode}`);
        await store.append(ws, [event(1)]);
        const stop = store.watch(() => undefined);
        proxy.setMode(mode);
        const inFlight = [store.append(ws, [event(2)]), store.verify(ws), store.read(ws)];
        for (const p of inFlight) p.catch(() => undefined);
        const ms = await settleTime(store.close());
        stop();
        expect(ms).toBeLessThan(5000);
        proxy.setMode('up');
      },
    );

    it('verify against a silent endpoint fails with a clear error instead of hanging', async () => {
      const { proxy, store } = await behindProxy();
      const ws = freshWorkspace('silent');
      await store.append(
        ws,
        Array.from({ length: 50 }, (_, i) => event(i)),
      );
      proxy.setMode('blackhole');
      const t = Date.now();
      await expect(store.verify(ws)).rejects.toThrow(/timeout/i);
      expect(Date.now() - t).toBeLessThan(5000);
    });

    it('`opstate verify` against a silent endpoint exits with a clear error', async () => {
      const { proxy, url } = await behindProxy();
      proxy.setMode('blackhole');
      const r = await cli(['verify', '--store', url, '--workspace', 'anything'], { timeoutMs: 30_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/unavailable.*timeout/i);
    }, 40_000);
  },
);

describe.skipIf(PG_URL === null)('[postgres] watch', () => {
  it('LISTEN reports appends made through another store, with the workspace and its last seq', async () => {
    const url = await privateDatabaseUrl();
    const writer = await openPostgresChainStore({ connectionString: url });
    const reader = await openPostgresChainStore({
      connectionString: url,
      migrate: 'check',
      ...listenOption(url),
    });
    try {
      const seen: { workspaceId?: string; seq?: number }[] = [];
      const stop = reader.watch((c) => seen.push(c));
      // LISTEN, then the watcher lock, are issued asynchronously: "re-read" says both are in place (what
      // was appended before may have gone unheard), and the lock is on the server by then.
      for (let i = 0; i < 250 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toStrictEqual([{}]);
      const rows = await writer.query(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 727270002 AND mode = 'ExclusiveLock' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      );
      expect(rows[0]?.n).toBe(1);
      const ws = freshWorkspace('watch');
      await writer.append(ws, [event(1), event(2), event(3)]);
      await writer.append(ws, [event(4)]);
      for (let i = 0; i < 100 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      // One notification per append statement, carrying the last seq it wrote.
      expect(seen).toStrictEqual([{}, { workspaceId: ws, seq: 3 }, { workspaceId: ws, seq: 4 }]);
      stop();
      await writer.append(ws, [event(5)]);
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toHaveLength(3);
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  it('appends notify only while a watcher is there; a second watcher keeps hearing after the first stops', async () => {
    const url = await privateDatabaseUrl();
    const writer = await openPostgresChainStore({ connectionString: url });
    const a = await openPostgresChainStore({ connectionString: url, migrate: 'check', ...listenOption(url) });
    const b = await openPostgresChainStore({ connectionString: url, migrate: 'check', ...listenOption(url) });
    // A bare LISTEN (no watcher lock) hears exactly what is sent.
    const raw = new pg.Client({ connectionString: directUrl(url) });
    await raw.connect();
    const sent: string[] = [];
    raw.on('notification', (n) => sent.push(n.payload ?? ''));
    await raw.query('LISTEN opstate_appended');
    const watchers = async (n: number) => {
      for (let i = 0; i < 200; i++) {
        const rows = await writer.query(
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 727270002 AND mode = 'ExclusiveLock' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        );
        if (rows[0]?.n === n) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`expected ${n} watcher locks`);
    };
    const settle = () => new Promise((r) => setTimeout(r, 150));
    try {
      const ws = freshWorkspace('gate');
      await writer.append(ws, [event(1)]);
      await settle();
      expect(sent).toStrictEqual([]); // nobody watching: no NOTIFY, no commit serialized on it

      const seenA: unknown[] = [];
      const seenB: unknown[] = [];
      const stopA = a.watch((c) => seenA.push(c));
      await watchers(1);
      const stopB = b.watch((c) => seenB.push(c));
      await watchers(2); // one holds the lock, the other waits for it: both count
      // Each says "re-read" once its lock is held or queued, the waiting one too.
      for (let i = 0; i < 40 && (seenA.length === 0 || seenB.length === 0); i++) await settle();
      await writer.append(ws, [event(2)]);
      await settle();
      expect(seenA).toStrictEqual([{}, { workspaceId: ws, seq: 2 }]);
      expect(seenB).toStrictEqual([{}, { workspaceId: ws, seq: 2 }]);
      stopA();
      await watchers(1);
      await writer.append(ws, [event(3)]);
      await settle();
      expect(seenB).toStrictEqual([{}, { workspaceId: ws, seq: 2 }, { workspaceId: ws, seq: 3 }]);
      stopB();
      await watchers(0);
      await writer.append(ws, [event(4)]);
      await settle();
      expect(sent).toHaveLength(2);
    } finally {
      await raw.end();
      await Promise.all([a.close(), b.close(), writer.close()]);
    }
  });

  it('after its connection is reset, watch reconnects, says "re-read" once, and hears appends again', async () => {
    // LISTEN needs the server itself: through PgBouncer the reader would poll.
    const target = new URL(directUrl(PG_URL ?? ''));
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const via = new URL(directUrl(PG_URL ?? ''));
    via.port = String(proxy.port);
    const writer = await openPostgresChainStore({ connectionString: PG_URL ?? '' });
    const reader = await openPostgresChainStore({ connectionString: via.toString(), migrate: 'check' });
    try {
      const ws = freshWorkspace('watch-reset');
      const seen: { workspaceId?: string; seq?: number }[] = [];
      const stop = reader.watch((c) => {
        if (c.workspaceId === undefined || c.workspaceId === ws) seen.push(c);
      });
      const heard = async (n: number) => {
        for (let i = 0; i < 200 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 25));
      };
      // "Re-read" once the subscription is in place (LISTEN is issued asynchronously).
      await heard(1);
      expect(seen).toStrictEqual([{}]);
      seen.length = 0;
      proxy.setMode('reset');
      await new Promise((r) => setTimeout(r, 100));
      proxy.setMode('up');
      await heard(1);
      expect(seen[0]).toStrictEqual({});
      const last = await writer.append(ws, [event(1000)]);
      await heard(2);
      expect(seen[1]).toStrictEqual({ workspaceId: ws, seq: last[0]?.seq });
      stop();
    } finally {
      await reader.close();
      await writer.close();
      await proxy.close();
    }
  });

  it('says "re-read" only once the server shows its lock session holding or waiting: an append right after it is heard', async () => {
    const url = await privateDatabaseUrl();
    const target = new URL(directUrl(url));
    const holdMs = 1000;
    const proxy = await lockDelayingProxy(target.hostname, Number(target.port || 5432), holdMs);
    const via = new URL(directUrl(url));
    via.port = String(proxy.port);
    const writer = await openPostgresChainStore({ connectionString: url });
    const reader = await openPostgresChainStore({ connectionString: via.toString(), migrate: 'check' });
    // Watcher locks in this database only (other files' watchers use other databases of the server).
    const watcherLocks = async () =>
      (
        await writer.query(
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 727270002 AND mode = 'ExclusiveLock' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
      )[0]?.n;
    const until = async (done: () => boolean | Promise<boolean>, ms: number) => {
      for (const end = Date.now() + ms; !(await done()) && Date.now() < end;)
        await new Promise((r) => setTimeout(r, 20));
    };
    try {
      const ws = freshWorkspace('watch-reread');
      const seen: { workspaceId?: string; seq?: number }[] = [];
      // What the server shows when "re-read" is reported, and an append made at once, as a follower would.
      const rereads: Promise<{ locks: unknown; seq: number | undefined }>[] = [];
      const stop = reader.watch((c) => {
        if (c.workspaceId !== undefined && c.workspaceId !== ws) return;
        seen.push(c);
        if (c.workspaceId === undefined) {
          rereads.push(
            (async () => {
              const locks = await watcherLocks();
              const [e] = await writer.append(ws, [event(rereads.length)]);
              return { locks, seq: e?.seq };
            })(),
          );
        }
      });
      // The first connection: its lock request is held back too, and "re-read" waits for it.
      await until(() => rereads.length === 1, holdMs + 5000);
      const first = await rereads[0];
      expect(first?.locks).toBe(1);
      await until(() => seen.some((c) => c.seq === first?.seq), 2000);
      expect(seen).toStrictEqual([{}, { workspaceId: ws, seq: first?.seq }]);
      seen.length = 0;
      proxy.cut();
      await until(() => rereads.length === 2, holdMs + 5000);
      const at = await rereads[1];
      expect(at?.locks).toBe(1);
      await until(() => seen.some((c) => c.seq === at?.seq), holdMs + 2000);
      expect(seen).toStrictEqual([{}, { workspaceId: ws, seq: at?.seq }]);
      stop();
    } finally {
      await reader.close();
      await writer.close();
      await proxy.close();
    }
  });
});
