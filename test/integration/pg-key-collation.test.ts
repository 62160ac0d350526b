import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { ownershipOf } from '../../src/store/chain/owner.js';
import { loadMigrations } from '../../src/store/index.js';
import { migrate } from '../../src/store/postgres/migrate.js';
import { openPostgresChainStore } from '../../src/store/postgres/postgres-store.js';
import type { Transactor } from '../../src/store/postgres/queryable.js';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';
import { PG_URL } from '../support/engines.js';

/*
 * The text keys of the PostgreSQL store's indexes compare bytes (COLLATE "C"), whatever the database's
 * locale. The database here uses ICU's en-US collation, as production servers often do (libc en_US
 * orders the same way): before the key columns were given "C", its workspaces listed in linguistic order
 * ("a" before "B"), unlike the SQLite store.
 */

const events = (ws: string, from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    eventType: GENERIC_TRANSITION_EVENT,
    payload: { n: from + i, trigger: `event ${from + i}` },
    idempotencyKey: `${ws}:${from + i}`,
  }));

/** Ids whose linguistic order (a B é z) differs from their code point order (B a z é). */
const IDS = ['a', 'B', 'é', 'z'];
const CODE_POINT_ORDER = ['B', 'a', 'z', 'é'];

let dir = '';
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL ?? '' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new database whose default collation is ICU en-US (a linguistic order, not the bytes). */
async function linguisticDatabaseUrl(): Promise<string> {
  const name = `opstate_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await admin((c) =>
    c.query(`CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`),
  );
  const url = new URL(PG_URL ?? '');
  url.pathname = `/${name}`;
  return url.toString();
}

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

const KEY_COLUMNS = `
  SELECT c.relname || '.' || a.attname AS col, coalesce(co.collname, '') AS collation
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'opstate'
    LEFT JOIN pg_collation co ON co.oid = a.attcollation
   WHERE a.attname IN ('workspace_id', 'idempotency_key') AND a.attnum > 0 AND NOT a.attisdropped
   ORDER BY 1`;

describe.skipIf(PG_URL === null)('[postgres] text keys in byte order (COLLATE "C")', () => {
  it('migrating a database with chains gives every key column and index "C"; chains, keys and grants intact', async () => {
    const url = await linguisticDatabaseUrl();
    const reader = `opstate_reader_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // The schema as it was before the key columns had "C": chains, keyed events, an owned workspace,
      // and a reader role granted the events view.
      const before = loadMigrations().filter((m) => m.name < '007_');
      expect(await migrate(transactor(client), before)).toHaveLength(before.length);
      const old = await openPostgresChainStore({ connectionString: url, migrate: false });
      for (const ws of IDS) {
        await old.append(ws, events(ws, 1, 3));
        await old.append(ws, events(ws, 4, 1));
      }
      const owned = ownershipOf(old);
      if (owned === null) throw new Error('the PostgreSQL store has no ownership');
      const { epoch } = await owned.claim('a');
      await owned.appendAsOwner('a', epoch, events('a', 5, 1));
      expect((await old.workspaces!()).slice().sort()).toStrictEqual([...IDS].sort());
      expect(await old.workspaces!()).not.toStrictEqual(CODE_POINT_ORDER);
      const rows = () =>
        client.query(
          "SELECT workspace_id, seq, idempotency_key, encode(hash, 'hex') AS hash FROM opstate.event_log",
        );
      const stored = (await rows()).rows;
      await old.close();
      await client.query(`CREATE ROLE ${reader}; GRANT USAGE ON SCHEMA opstate TO ${reader};
                          GRANT SELECT ON opstate.events TO ${reader};`);
      expect((await client.query(KEY_COLUMNS)).rows.map((r) => r.collation)).not.toContain('C');

      const store = await openPostgresChainStore({ connectionString: url });
      try {
        // Every workspace_id and idempotency_key column, and every index on them, is "C" now.
        const columns = (await client.query(KEY_COLUMNS)).rows;
        expect(columns.map((r) => r.col)).toEqual(
          expect.arrayContaining([
            'chain_head.workspace_id',
            'chain_owner.workspace_id',
            'chain_owner_claims.workspace_id',
            'event_log.workspace_id',
            'event_log.idempotency_key',
            'event_log_pkey.workspace_id',
            'event_log_workspace_id_idempotency_key_key.idempotency_key',
            'chain_head_pkey.workspace_id',
            'events.workspace_id',
          ]),
        );
        expect(columns.filter((r) => r.collation !== 'C')).toStrictEqual([]);

        // No stored row changed; every chain verifies; the reader still reads the view.
        const sortRows = (r: Record<string, unknown>[]) =>
          [...r].sort((x, y) => `${x.workspace_id}:${x.seq}`.localeCompare(`${y.workspace_id}:${y.seq}`));
        expect(sortRows((await rows()).rows)).toStrictEqual(sortRows(stored));
        for (const ws of IDS)
          expect(await store.verify(ws)).toMatchObject({ ok: true, length: ws === 'a' ? 5 : 4 });
        expect(
          (await client.query(`SELECT has_table_privilege('${reader}', 'opstate.events', 'SELECT') AS ok`))
            .rows,
        ).toStrictEqual([{ ok: true }]);

        // Keyed duplicates are still found (single and in a batch), and appends continue the chains.
        for (const ws of IDS) {
          expect(await store.append(ws, events(ws, 2, 1))).toMatchObject([{ seq: 2, duplicate: true }]);
          const mixed = await store.append(ws, [...events(ws, 3, 1), ...events(ws, 10, 2)]);
          const next = ws === 'a' ? 6 : 5;
          expect(mixed.map((e) => [e.seq, e.duplicate])).toStrictEqual([
            [3, true],
            [next, false],
            [next + 1, false],
          ]);
          expect(await store.append(ws, events(ws, 20, 1))).toMatchObject([
            { seq: next + 2, duplicate: false },
          ]);
          expect(await store.verify(ws)).toMatchObject({ ok: true, length: next + 2 });
        }
        // The owner's epoch still holds, and a later claim still fences it off.
        const ownership = ownershipOf(store);
        if (ownership === null) throw new Error('the PostgreSQL store has no ownership');
        await expect(ownership.appendAsOwner('a', epoch, events('a', 30, 1))).resolves.toHaveLength(1);
        await ownership.claim('a');
        await expect(ownership.appendAsOwner('a', epoch, events('a', 31, 1))).rejects.toThrow();

        // Listing and paging in code point order, as the SQLite store orders the same ids.
        expect(await store.workspaces!()).toStrictEqual(CODE_POINT_ORDER);
        const first = await store.fleetSummary!({ limit: 2 });
        const rest = await store.fleetSummary!({ after: first.at(-1)!.workspaceId });
        expect([...first, ...rest].map((h) => h.workspaceId)).toStrictEqual(CODE_POINT_ORDER);

        dir = await mkdtemp(join(tmpdir(), 'opstate-key-collation-'));
        const sqlite = await openSqliteChainStore({ file: join(dir, 'chain.db') });
        try {
          for (const ws of IDS) await sqlite.append(ws, events(ws, 1, 1));
          expect(await sqlite.workspaces!()).toStrictEqual(CODE_POINT_ORDER);
          const page = await sqlite.fleetSummary!({ after: first.at(-1)!.workspaceId });
          expect(page.map((h) => h.workspaceId)).toStrictEqual(rest.map((h) => h.workspaceId));
        } finally {
          await sqlite.close();
        }
      } finally {
        await store.close();
      }
    } finally {
      await client.query(`DROP OWNED BY ${reader}; DROP ROLE IF EXISTS ${reader}`).catch(() => undefined);
      await client.end();
    }
  });
});
