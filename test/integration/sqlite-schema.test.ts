/*
 * The SQLite store's schema enforces what PostgreSQL's does (vocabulary, append-only, types, migrations
 * applied once), and verify names the seq and kind of tampering done by whoever can write the file.
 */
import { existsSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainStoreError, openSqliteChainStore } from '../../src/index.js';
import { chainHash } from '../../src/store/chain/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { loadSqliteMigrations, migrateSqlite } from '../../src/store/sqlite/migrate.js';
import {
  freshSqliteFile,
  freshWorkspace,
  openSqliteUnderTest,
  type SqliteStoreUnderTest,
} from '../support/engines.js';

const events = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => ({
    eventType: GENERIC_TRANSITION_EVENT,
    payload: { n: from + i, trigger: `event ${from + i}` },
    idempotencyKey: `key-${from + i}`,
  }));

const hex = (h: string) => `X'${h}'`;

describe('[sqlite] schema, migrations and tamper evidence', () => {
  let store: SqliteStoreUnderTest;
  beforeAll(async () => {
    store = await openSqliteUnderTest();
  });
  afterAll(async () => {
    await store.close();
  });

  it('migrations are recorded once with their checksums and a re-run applies nothing', async () => {
    expect(await store.migrate()).toStrictEqual([]);
    const rows = store.raw('SELECT name, checksum FROM schema_migrations ORDER BY name');
    expect(rows).toStrictEqual(loadSqliteMigrations().map((m) => ({ name: m.name, checksum: m.checksum })));
    const types = store.raw('SELECT event_type FROM event_types ORDER BY event_type');
    expect(types.map((r) => r.event_type)).toStrictEqual([
      'kora.boot.failed',
      'kora.boot.ready',
      'kora.operational_state.transitioned',
      'kora.paused.cost_limit',
    ]);
    const strict = store.raw(
      "SELECT name FROM pragma_table_list WHERE strict = 1 AND schema = 'main' ORDER BY name",
    );
    expect(strict.map((r) => r.name)).toStrictEqual([
      'chain_head',
      'chain_owner',
      'chain_owner_claims',
      'event_log',
      'event_types',
      'schema_migrations',
    ]);
  });

  it('an applied migration whose file changed is refused, naming it', () => {
    const [first] = loadSqliteMigrations();
    const edited = { name: first?.name ?? '', sql: `${first?.sql}\n-- edited`, checksum: 'f'.repeat(64) };
    expect(() => migrateSqlite(store.rawDb, [edited])).toThrow(
      /001_chain_log\.sql was applied with checksum/,
    );
  });

  it('the log is append-only: UPDATE and DELETE are refused by the database', async () => {
    const ws = freshWorkspace();
    await store.append(ws, events(3));
    expect(() =>
      store.raw(`UPDATE event_log SET payload_canonical = '{"n":42}' WHERE workspace_id = ? AND seq = 2`, [
        ws,
      ]),
    ).toThrow(/append-only: UPDATE refused/);
    expect(() => store.raw('DELETE FROM event_log WHERE workspace_id = ?', [ws])).toThrow(
      /append-only: DELETE refused/,
    );
    expect(await store.verify(ws)).toMatchObject({ ok: true, length: 3 });
  });

  it('an event type is refused by the foreign key, and a mistyped value by the STRICT table', () => {
    const insert = (type: string, seq: unknown) =>
      store.raw(
        `INSERT INTO event_log (workspace_id, seq, event_id, event_type, payload_canonical, prev_hash, hash, recorded_at)
         VALUES ('raw', ?, 'id', ?, '{}', zeroblob(32), zeroblob(32), 'now')`,
        [seq, type],
      );
    expect(() => insert('kora.not.listed', 1)).toThrow(/FOREIGN KEY constraint failed/);
    expect(() => insert(GENERIC_TRANSITION_EVENT, 'one')).toThrow(
      /cannot store TEXT value in INTEGER column/,
    );
    expect(() => store.raw("INSERT INTO event_types (event_type) VALUES ('Not A Type')")).toThrow(/CHECK/);
  });

  it('the payload is the exact hashed text, queryable as JSON', async () => {
    const ws = freshWorkspace();
    await store.append(ws, [{ eventType: GENERIC_TRANSITION_EVENT, payload: { z: 1, a: { trigger: 'x' } } }]);
    expect(
      store.raw(
        `SELECT payload_canonical, payload_canonical ->> '$.a.trigger' AS trigger, hash_version
           FROM event_log WHERE workspace_id = ?`,
        [ws],
      ),
    ).toStrictEqual([{ payload_canonical: '{"a":{"trigger":"x"},"z":1}', trigger: 'x', hash_version: 1 }]);
  });

  it('names the seq and kind of tampering: an edited payload', async () => {
    const ws = freshWorkspace();
    await store.append(ws, events(5));
    store.tamper([
      `UPDATE event_log SET payload_canonical = '{"n":3,"trigger":"forged"}' WHERE workspace_id = '${ws}' AND seq = 3`,
    ]);
    expect(await store.verify(ws)).toMatchObject({
      ok: false,
      length: 2,
      firstDivergence: { seq: 3, kind: 'hash_mismatch' },
    });
  });

  it('names the seq and kind of tampering: a deleted middle row', async () => {
    const ws = freshWorkspace();
    await store.append(ws, events(5));
    store.tamper([`DELETE FROM event_log WHERE workspace_id = '${ws}' AND seq = 3`]);
    expect(await store.verify(ws)).toMatchObject({
      ok: false,
      length: 2,
      firstDivergence: { seq: 3, kind: 'gap' },
    });
  });

  it('names the seq and kind of tampering: two rows swapped', async () => {
    const ws = freshWorkspace();
    await store.append(ws, events(5));
    store.tamper([
      `UPDATE event_log SET seq = 1000 WHERE workspace_id = '${ws}' AND seq = 2`,
      `UPDATE event_log SET seq = 2 WHERE workspace_id = '${ws}' AND seq = 3`,
      `UPDATE event_log SET seq = 3 WHERE workspace_id = '${ws}' AND seq = 1000`,
    ]);
    expect(await store.verify(ws)).toMatchObject({
      ok: false,
      length: 1,
      firstDivergence: { seq: 2, kind: 'link_break' },
    });
  });

  it('a row rewritten together with its hash still fails, on the next link', async () => {
    const ws = freshWorkspace();
    const appended = await store.append(ws, events(4));
    const forged = '{"n":2,"trigger":"forged"}';
    const hash = chainHash(appended[0]?.hash ?? '', 2, GENERIC_TRANSITION_EVENT, forged);
    store.tamper([
      `UPDATE event_log SET payload_canonical = '${forged}', hash = ${hex(hash)} WHERE workspace_id = '${ws}' AND seq = 2`,
    ]);
    expect(await store.verify(ws)).toMatchObject({
      ok: false,
      firstDivergence: { seq: 3, kind: 'link_break' },
    });
  });

  it('a cut tail is caught by the head row', async () => {
    const ws = freshWorkspace();
    await store.append(ws, events(5));
    store.tamper([`DELETE FROM event_log WHERE workspace_id = '${ws}' AND seq >= 4`]);
    expect(await store.verify(ws)).toMatchObject({
      ok: false,
      length: 3,
      firstDivergence: { seq: 4, kind: 'truncated' },
    });
  });

  it('verify streams a long chain in pages', async () => {
    const ws = freshWorkspace();
    for (let b = 0; b < 6; b++) await store.append(ws, events(1000, b * 1000 + 1));
    expect(await store.verify(ws)).toMatchObject({ ok: true, length: 6000 });
  });

  it('a planted fork is reported as a fork at its seq (after rebuilding the table without its keys)', async () => {
    const ws = freshWorkspace();
    const appended = await store.append(ws, events(4));
    const sibling = '{"sibling":true}';
    const prev = appended[1]?.hash ?? '';
    const hash = chainHash(prev, 3, GENERIC_TRANSITION_EVENT, sibling);
    store.tamper([
      `CREATE TABLE loose AS SELECT * FROM event_log`,
      `INSERT INTO loose (workspace_id, seq, event_id, event_type, payload_canonical, prev_hash, hash, hash_version, recorded_at)
       VALUES ('${ws}', 3, 'ffffffff-0000-0000-0000-000000000000', '${GENERIC_TRANSITION_EVENT}', '${sibling}',
               ${hex(prev)}, ${hex(hash)}, 1, 'then')`,
      'DROP TABLE event_log',
      'ALTER TABLE loose RENAME TO event_log',
    ]);
    expect(await store.verify(ws)).toMatchObject({
      ok: false,
      length: 3,
      firstDivergence: { seq: 3, kind: 'fork' },
    });
  });
});

describe('[sqlite] the writer thread', () => {
  it('refuses an in-memory or temporary database, which its own connection could not see', async () => {
    for (const file of [':memory:', '']) {
      await expect(openSqliteChainStore({ file, writer: 'worker' })).rejects.toMatchObject({
        kind: 'invalid_input',
        message: expect.stringContaining(
          `writer 'worker' needs a database file, got ${JSON.stringify(file)}`,
        ),
      });
    }
    // The same database on the calling thread is fine.
    const store = await openSqliteChainStore({ file: ':memory:' });
    const ws = freshWorkspace();
    await store.append(ws, events(2));
    expect(await store.verify(ws)).toMatchObject({ ok: true, length: 2 });
    await store.close();
  });
});

describe('[sqlite] read-only opening', () => {
  it('never creates a file: a missing one is a not_a_store error naming the path', async () => {
    const file = freshSqliteFile('missing');
    const err = await openSqliteChainStore({ file, readOnly: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChainStoreError);
    expect(err).toMatchObject({ kind: 'not_a_store', message: expect.stringContaining(file) });
    expect(existsSync(file)).toBe(false);
  });

  it('refuses a file that is not SQLite, and a SQLite file without the opstate schema, naming them', async () => {
    const junk = freshSqliteFile('junk');
    writeFileSync(junk, 'not a database at all\n'.repeat(200));
    await expect(openSqliteChainStore({ file: junk, readOnly: true })).rejects.toMatchObject({
      kind: 'not_a_store',
      message: expect.stringContaining(junk),
    });
    const other = freshSqliteFile('other');
    const db = new Database(other);
    db.exec('CREATE TABLE notes (body TEXT)');
    db.close();
    await expect(openSqliteChainStore({ file: other, readOnly: true })).rejects.toMatchObject({
      kind: 'not_a_store',
      message: expect.stringContaining(other),
    });
    expect(
      new Database(other).prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'event_log'").get(),
    ).toStrictEqual({ n: 0 });
  });

  it('reads what a writer appended, sees later appends, and refuses to append', async () => {
    const file = freshSqliteFile('ro');
    const writer = await openSqliteChainStore({ file });
    const ws = freshWorkspace();
    await writer.append(ws, events(2));
    const reader = await openSqliteChainStore({ file, readOnly: true });
    try {
      expect((await reader.read(ws)).map((e) => e.seq)).toStrictEqual([1, 2]);
      await writer.append(ws, events(1, 3));
      expect(await reader.verify(ws)).toMatchObject({ ok: true, length: 3 });
      await expect(reader.append(ws, events(1, 4))).rejects.toMatchObject({ kind: 'invalid_input' });
      await expect(reader.migrate()).rejects.toMatchObject({ kind: 'invalid_input' });
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  it('watch reports the workspace whose head moved, appended by another connection', async () => {
    const file = freshSqliteFile('watch');
    const writer = await openSqliteChainStore({ file });
    const reader = await openSqliteChainStore({ file, readOnly: true });
    const changes: { workspaceId?: string; seq?: number }[] = [];
    const stop = reader.watch((c) => changes.push(c));
    try {
      const ws = freshWorkspace();
      await writer.append(ws, events(3));
      await expect.poll(() => changes, { timeout: 2000 }).toContainEqual({ workspaceId: ws, seq: 3 });
    } finally {
      stop();
      await reader.close();
      await writer.close();
    }
  });
});
