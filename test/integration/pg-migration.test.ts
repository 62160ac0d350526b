import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { loadMigrations } from '../../src/store/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { migrate } from '../../src/store/postgres/migrate.js';
import { openPostgresChainStore } from '../../src/store/postgres/postgres-store.js';
import type { Transactor } from '../../src/store/postgres/queryable.js';
import { PG_URL, privateDatabaseUrl } from '../support/engines.js';

const events = (ws: string, from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    eventType: GENERIC_TRANSITION_EVENT,
    payload: { n: from + i, trigger: `event ${from + i}`, note: 'ünïcödé ✓' },
    correlationId: `c-${from + i}`,
    idempotencyKey: `${ws}:${from + i}`,
  }));

function transactor(client: pg.Client): Transactor {
  return async (fn) => {
    await client.query('BEGIN');
    try {
      const result = await fn({
        query: async (text, params = []) => (await client.query(text, params as unknown[])).rows,
        exec: async (text) => {
          await client.query(text);
        },
      });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    }
  };
}

describe.skipIf(PG_URL === null)('[postgres] migration 002 on a database written under 001', () => {
  it('chains written by the round-1 schema still verify after the migration, and grow on it', async () => {
    const url = await privateDatabaseUrl();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // Only 001, and chains appended through 001's own chain_append (several workspaces, batches,
      // a re-append of a known key).
      const first = loadMigrations().filter((m) => m.name.startsWith('001_'));
      expect(await migrate(transactor(client), first)).toStrictEqual(['001_chain_log.sql']);
      const old = await openPostgresChainStore({ connectionString: url, migrate: false });
      const workspaces = ['old-a', 'old-b', 'old-c'];
      for (const ws of workspaces) {
        await old.append(ws, events(ws, 1, 5));
        await old.append(ws, events(ws, 6, 1));
        await old.append(ws, events(ws, 3, 1)); // duplicate: writes nothing
      }
      const before = await old.query(
        "SELECT workspace_id, seq, encode(hash, 'hex') AS hash FROM opstate.event_log ORDER BY 1, 2",
      );
      await old.close();

      // A read-only open refuses the old schema, naming what is missing.
      await expect(openPostgresChainStore({ connectionString: url, migrate: 'check' })).rejects.toThrow(
        /older than this package: 002_slim_set_append\.sql, 003_vocabulary_per_statement\.sql(, \d{3}_[a-z0-9_]+\.sql)* not applied/,
      );

      const store = await openPostgresChainStore({ connectionString: url });
      try {
        expect(await store.migrate()).toStrictEqual([]);
        const after = await store.query(
          "SELECT workspace_id, seq, encode(hash, 'hex') AS hash FROM opstate.event_log ORDER BY 1, 2",
        );
        expect(after).toStrictEqual(before);
        for (const ws of workspaces) expect(await store.verify(ws)).toMatchObject({ ok: true, length: 6 });

        // Appends continue the old chains on the new path; an old key is still recognized.
        for (const ws of workspaces) {
          const dup = await store.append(ws, events(ws, 2, 1));
          expect(dup).toMatchObject([{ seq: 2, duplicate: true }]);
          const more = await store.append(ws, events(ws, 7, 4));
          expect(more.map((e) => [e.seq, e.duplicate])).toStrictEqual([
            [7, false],
            [8, false],
            [9, false],
            [10, false],
          ]);
          const mixed = await store.append(ws, [...events(ws, 10, 1), ...events(ws, 11, 1)]);
          expect(mixed.map((e) => [e.seq, e.duplicate])).toStrictEqual([
            [10, true],
            [11, false],
          ]);
          expect(await store.verify(ws)).toMatchObject({ ok: true, length: 11 });
        }
        // The slim table: one payload column, no event_id unique, no type index, no second fork guard on
        // prev_hash (the primary key on seq is the guard); jsonb through the view.
        const columns = await store.query(
          "SELECT column_name FROM information_schema.columns WHERE table_schema = 'opstate' AND table_name = 'event_log'",
        );
        expect(columns.map((c) => c.column_name)).not.toContain('payload');
        const indexes = await store.query(
          "SELECT indexname FROM pg_indexes WHERE schemaname = 'opstate' AND tablename = 'event_log' ORDER BY 1",
        );
        expect(indexes.map((i) => i.indexname)).toStrictEqual([
          'event_log_pkey',
          'event_log_workspace_id_idempotency_key_key',
        ]);
        // The vocabulary is checked by a trigger now (no foreign key), as strictly as before: an unknown
        // type is refused with the same error, and a known type can never be removed.
        await expect(
          store.append('old-a', [{ eventType: 'kora.not.listed', payload: {} }]),
        ).rejects.toMatchObject({ kind: 'unknown_event_type', eventType: 'kora.not.listed' });
        await expect(
          store.query("DELETE FROM opstate.event_types WHERE event_type = 'kora.boot.failed'"),
        ).rejects.toThrow(/only grows/);
        expect(await store.verify('old-a')).toMatchObject({ ok: true, length: 11 });
        const viaView = await store.query(
          "SELECT payload->>'note' AS note FROM opstate.events WHERE workspace_id = 'old-a' AND seq = 1",
        );
        expect(viaView).toStrictEqual([{ note: 'ünïcödé ✓' }]);
      } finally {
        await store.close();
      }
    } finally {
      await client.end();
    }
  });

  it('a batch repeating a key within itself writes it once, on the row-by-row path', async () => {
    const store = await openPostgresChainStore({ connectionString: await privateDatabaseUrl() });
    try {
      const [a, b] = events('dup', 1, 2) as [ReturnType<typeof events>[0], ReturnType<typeof events>[0]];
      const out = await store.append('dup', [a, b, a]);
      expect(out.map((e) => [e.seq, e.duplicate])).toStrictEqual([
        [1, false],
        [2, false],
        [1, true],
      ]);
      expect(await store.verify('dup')).toMatchObject({ ok: true, length: 2 });
    } finally {
      await store.close();
    }
  });

  it('8 connections × 100 appends on one workspace: gap-free, no fork, every key once', async () => {
    const url = await privateDatabaseUrl();
    const writers = await Promise.all(
      Array.from({ length: 8 }, () => openPostgresChainStore({ connectionString: url, maxConnections: 1 })),
    );
    try {
      await Promise.all(
        writers.map(async (w, k) => {
          for (let i = 0; i < 100; i++) {
            const batch = i % 10 === 0 ? 5 : 1;
            await w.append('shared', events(`w${k}`, i * 10, batch));
          }
        }),
      );
      const total = 8 * (90 + 10 * 5);
      const store = writers[0] as (typeof writers)[0];
      expect(await store.verify('shared')).toMatchObject({ ok: true, length: total });
      const stats = await store.query(
        `SELECT count(*)::int AS n, count(DISTINCT seq)::int AS seqs, count(DISTINCT prev_hash)::int AS prevs,
                max(seq)::int AS last FROM opstate.event_log WHERE workspace_id = 'shared'`,
      );
      expect(stats).toStrictEqual([{ n: total, seqs: total, prevs: total, last: total }]);
    } finally {
      await Promise.all(writers.map((w) => w.close()));
    }
  });
});
