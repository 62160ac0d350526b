import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createCheckpoint,
  generateCheckpointKeys,
  verifyWithCheckpoints,
} from '../../src/checkpoint/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { openPostgresChainStore, type PostgresChainStore } from '../../src/store/postgres/postgres-store.js';
import { cliProcess } from '../support/cli.js';
import { directUrl, freshWorkspace, PG_DIRECT_URL, PGBOUNCER_URL } from '../support/engines.js';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'test-pgbouncer.sh');

const keyed = (n: number, key: string = randomUUID()) => ({
  eventType: GENERIC_TRANSITION_EVENT,
  payload: { n, trigger: `event ${n}` },
  idempotencyKey: key,
});

/** `url` with its database replaced, through PgBouncer (whose `*` entry reaches every database). */
function pooled(database: string): string {
  const u = new URL(PGBOUNCER_URL ?? '');
  u.pathname = `/${database}`;
  return u.toString();
}

/** A database of its own, created on the server itself. */
async function privateDatabase(): Promise<string> {
  const name = `opstate_pgb_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = await openPostgresChainStore({ connectionString: PG_DIRECT_URL ?? '', migrate: false });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
  return name;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function until(check: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !check() && Date.now() < end;) {
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(PGBOUNCER_URL === null || PG_DIRECT_URL === null)(
  '[postgres] through PgBouncer in transaction pooling mode',
  () => {
    it('migrates (8 openers at once), appends single, batch, keyed and duplicate, reads, verifies, checkpoints', async () => {
      const url = pooled(await privateDatabase());
      // Each migration holds a transaction-scoped lock: concurrent openers through the pooler queue on it.
      const openers = await Promise.all(
        Array.from({ length: 8 }, () => openPostgresChainStore({ connectionString: url, maxConnections: 1 })),
      );
      const store = openers[0] as PostgresChainStore;
      try {
        const applied = await store.query('SELECT count(*)::int AS n FROM opstate.schema_migrations');
        expect(applied[0]?.n).toBeGreaterThanOrEqual(4);
        const ws = freshWorkspace('pgb');
        const single = await store.append(ws, [keyed(1, 'k-1')]);
        expect(single.map((e) => [e.seq, e.duplicate])).toStrictEqual([[1, false]]);
        const batch = await store.append(
          ws,
          Array.from({ length: 500 }, (_, i) => keyed(i + 2)),
        );
        expect(batch.at(-1)?.seq).toBe(501);
        const unkeyed = await store.append(ws, [{ eventType: GENERIC_TRANSITION_EVENT, payload: { n: 0 } }]);
        expect(unkeyed[0]?.seq).toBe(502);
        const again = await store.append(ws, [keyed(1, 'k-1')]);
        expect(again.map((e) => [e.seq, e.duplicate])).toStrictEqual([[1, true]]);
        const mixed = await store.append(ws, [keyed(600), keyed(1, 'k-1'), keyed(601)]);
        expect(mixed.map((e) => [e.seq, e.duplicate])).toStrictEqual([
          [503, false],
          [1, true],
          [504, false],
        ]);
        // Eight stores, one connection each, appending to one workspace at once: no fork, no gap.
        await Promise.all(
          openers.map(async (s, w) => {
            for (let i = 0; i < 10; i++) await s.append(ws, [keyed(1000 + w * 10 + i)]);
          }),
        );
        expect((await store.read(ws, { afterSeq: 500, limit: 10 })).map((e) => e.seq)).toStrictEqual(
          Array.from({ length: 10 }, (_, i) => 501 + i),
        );
        expect(await store.verify(ws)).toMatchObject({ ok: true, length: 584 });
        const keys = generateCheckpointKeys();
        const cp = await createCheckpoint(store, ws, keys.privateKeyPem);
        expect(cp.seq).toBe(584);
        expect(await verifyWithCheckpoints(store, ws, [cp], keys.publicKeyPem)).toMatchObject({ ok: true });
        expect(await store.workspaces?.()).toContain(ws);
      } finally {
        await Promise.all(openers.map((s) => s.close()));
      }
    }, 60_000);

    it('appends are prepared statements on a direct connection and unnamed through the pooler', async () => {
      const database = await privateDatabase();
      const direct = await openPostgresChainStore({
        connectionString: directUrl(pooled(database)),
        maxConnections: 1,
      });
      const directUnnamed = await openPostgresChainStore({
        connectionString: directUrl(pooled(database)),
        maxConnections: 1,
        preparedStatements: false,
      });
      const viaPooler = await openPostgresChainStore({
        connectionString: pooled(database),
        maxConnections: 1,
      });
      const named = (s: PostgresChainStore) =>
        s.query("SELECT name FROM pg_prepared_statements WHERE name LIKE 'opstate%' ORDER BY name");
      try {
        const ws = freshWorkspace('prepared');
        const claim = await direct.ownership.claim(ws);
        for (let i = 0; i < 3; i++) {
          await direct.append(ws, [keyed(i)]);
          await direct.ownership.appendAsOwner(ws, claim.epoch, [keyed(100 + i), keyed(200 + i)]);
        }
        // One connection: the session that answers this query is the one that appended.
        expect(await named(direct)).toStrictEqual([
          { name: 'opstate_chain_append' },
          { name: 'opstate_chain_append_owned' },
        ]);
        for (let i = 0; i < 3; i++) await viaPooler.append(ws, [keyed(10 + i), keyed(20 + i)]);
        expect(await named(viaPooler)).toStrictEqual([]);
        // Asked not to, a direct connection names nothing either.
        for (let i = 0; i < 3; i++) await directUnnamed.append(ws, [keyed(30 + i)]);
        expect(await named(directUnnamed)).toStrictEqual([]);
        expect(await direct.verify(ws)).toMatchObject({ ok: true, length: 18 });
      } finally {
        await Promise.all([direct.close(), directUnnamed.close(), viaPooler.close()]);
      }
    });

    it('watch: polls behind the pooler and says so; LISTENs on listenConnectionString; LISTENs when direct', async () => {
      const database = await privateDatabase();
      const url = pooled(database);
      const writer = await openPostgresChainStore({ connectionString: url });
      const polling = await openPostgresChainStore({
        connectionString: url,
        migrate: 'check',
        pollIntervalMs: 200,
      });
      const listening = await openPostgresChainStore({
        connectionString: url,
        migrate: 'check',
        listenConnectionString: directUrl(url),
      });
      const direct = await openPostgresChainStore({ connectionString: directUrl(url), migrate: 'check' });
      try {
        expect(polling.watchMode()).toMatchObject({ kind: 'poll', intervalMs: 200 });
        expect(polling.watchMode().detail).toMatch(/PgBouncer.*listenConnectionString/);
        expect(listening.watchMode()).toMatchObject({ kind: 'push' });
        expect(listening.watchMode().detail).toMatch(/LISTEN opstate_appended on listenConnectionString/);
        expect(direct.watchMode()).toStrictEqual({
          kind: 'push',
          detail: 'LISTEN opstate_appended on a connection of its own',
        });

        const ws = freshWorkspace('pgb-watch');
        const heard = { polling: [] as unknown[], listening: [] as unknown[] };
        const stops = [
          polling.watch((c) => heard.polling.push(c)),
          listening.watch((c) => heard.listening.push(c)),
        ];
        // Each says "re-read" once it is in place (LISTEN is issued asynchronously, the poll seeds first).
        await until(() => heard.polling.length > 0 && heard.listening.length > 0, 5000);
        expect(heard).toStrictEqual({ polling: [{}], listening: [{}] });
        heard.polling.length = 0;
        heard.listening.length = 0;
        const last = await writer.append(ws, [keyed(100), keyed(101)]);
        const seq = last.at(-1)?.seq;
        await until(
          () =>
            heard.polling.some((c) => (c as { seq?: number }).seq === seq) &&
            heard.listening.some((c) => (c as { seq?: number }).seq === seq),
          3000,
        );
        expect(heard.polling).toContainEqual({ workspaceId: ws, seq });
        expect(heard.listening).toContainEqual({ workspaceId: ws, seq });
        for (const stop of stops) stop();
      } finally {
        await Promise.all([writer.close(), polling.close(), listening.close(), direct.close()]);
      }
    }, 30_000);

    it('PgBouncer restarted under load: appends resume, nothing lost, nothing doubled', async () => {
      const database = await privateDatabase();
      // A PgBouncer of this test's own, stopped and started again mid-load.
      const dir = mkdtempSync(join(tmpdir(), 'opstate-pgb-restart-'));
      const port = await freePort();
      const start = () =>
        execFileSync('bash', [SCRIPT, 'start', dir, String(port), directUrl(pooled(database))], {
          encoding: 'utf8',
        })
          .trim()
          .split('\n')
          .pop() ?? '';
      const stop = () => execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore' });
      const url = start();
      const store = await openPostgresChainStore({
        connectionString: url,
        connectTimeoutMs: 1000,
        queryTimeoutMs: 2000,
      });
      // A follower through the same PgBouncer: it polls, and must come back after the restart.
      const follower = await openPostgresChainStore({
        connectionString: url,
        migrate: 'check',
        pollIntervalMs: 100,
      });
      const heard: { workspaceId?: string; seq?: number }[] = [];
      const stopWatch = follower.watch((c) => heard.push(c));
      // Its first poll says "re-read" once; the one that matters below is the one after the failed polls.
      await until(() => heard.length > 0, 3000);
      expect(heard).toStrictEqual([{}]);
      heard.length = 0;
      const ws = freshWorkspace('pgb-restart');
      const perWriter = 150;
      let failures = 0;
      let duplicates = 0;
      let acknowledged = 0;
      const keys: string[] = [];
      try {
        // Like the emit pipeline: each event's key is minted once, and a failed append is retried with it.
        const writer = async (w: number) => {
          for (let i = 0; i < perWriter; i++) {
            const event = keyed(w * 1000 + i, `restart-${w}-${i}`);
            keys.push(event.idempotencyKey);
            for (;;) {
              try {
                const [row] = await store.append(ws, [event]);
                if (row?.duplicate === true) duplicates += 1;
                acknowledged += 1;
                break;
              } catch {
                failures += 1;
                await new Promise((r) => setTimeout(r, 50));
              }
            }
          }
        };
        const load = Promise.all([writer(0), writer(1)]);
        await until(() => acknowledged >= 60, 20_000);
        stop();
        await new Promise((r) => setTimeout(r, 300));
        start();
        await load;
        // Polls failed while PgBouncer was down: the follower was told to re-read, and hears the last seq.
        const lastSeq = 2 * perWriter;
        await until(() => heard.some((c) => c.workspaceId === ws && c.seq === lastSeq), 3000);
        expect(heard).toContainEqual({});
        expect(heard).toContainEqual({ workspaceId: ws, seq: lastSeq });
      } finally {
        stopWatch();
        await follower.close();
        await store.close();
        stop();
      }
      expect(failures, 'the restart happened while appends were running').toBeGreaterThan(0);
      // Every event acknowledged once; a retry whose first attempt had committed came back as a duplicate.
      expect(acknowledged).toBe(2 * perWriter);
      console.info(
        `restart under load: ${failures} failed attempts retried, ${duplicates} answered as duplicates`,
      );
      const reader = await openPostgresChainStore({ connectionString: directUrl(pooled(database)) });
      try {
        const rows = await reader.read(ws, { limit: 10_000 });
        const stored = rows.map((e) => e.idempotencyKey);
        expect(new Set(stored).size).toBe(stored.length); // nothing doubled
        expect(stored.slice().sort()).toStrictEqual(keys.slice().sort()); // nothing lost
        expect(rows.map((e) => e.seq)).toStrictEqual(rows.map((_, i) => i + 1));
        expect(await reader.verify(ws)).toMatchObject({ ok: true, length: 2 * perWriter });
      } finally {
        await reader.close();
      }
    }, 90_000);

    it('opstate cockpit --listen-url: through the pooler it LISTENs on the direct URL; without it, it says it polls', async () => {
      const url = pooled(await privateDatabase());
      const store = await openPostgresChainStore({ connectionString: url });
      const ws = freshWorkspace('cockpit');
      await store.append(ws, [keyed(1)]);
      await store.close();
      const modes: string[] = [];
      for (const extra of [['--listen-url', directUrl(url)], []]) {
        const cockpit = cliProcess(['cockpit', '--store', url, '--port', '0', ...extra]);
        try {
          modes.push((await cockpit.waitFor(/^1 workspace.*; (watching: .*)$/m, 60_000))[1] as string);
        } finally {
          cockpit.child.kill('SIGTERM');
          await cockpit.exited;
        }
      }
      expect(modes[0]).toBe(
        'watching: push (LISTEN opstate_appended on listenConnectionString (a direct connection))',
      );
      expect(modes[1]).toMatch(/^watching: poll every 1000 ms \(polls opstate\.chain_head .*PgBouncer/);
    }, 90_000);
  },
);
