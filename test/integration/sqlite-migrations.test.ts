/*
 * The SQLite migration path: migrations apply by name whatever numbers are missing (a lower-numbered one
 * that arrives later is applied then), and the event-log rebuild keeps every row of a store written
 * before it, still verifying, still append-only, still refusing a second row at a seq.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqliteChainStore } from '../../src/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { prepareEvents } from '../../src/store/chain/prepare.js';
import { createAppender } from '../../src/store/sqlite/append.js';
import { appendedEvents } from '../../src/store/sqlite/written-event.js';
import {
  loadSqliteMigrations,
  migrateSqlite,
  SQLITE_MIGRATIONS_DIR,
} from '../../src/store/sqlite/migrate.js';
import { freshSqliteFile, freshWorkspace } from '../support/engines.js';

const events = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => ({
    eventType: GENERIC_TRANSITION_EVENT,
    payload: { n: from + i, trigger: `event ${from + i}` },
    idempotencyKey: `key-${from + i}`,
  }));

const names = (db: Database.Database) =>
  db.prepare<[], string>('SELECT name FROM schema_migrations ORDER BY name').pluck().all();

describe('[sqlite] migrations', () => {
  it('apply by name: a lower-numbered migration that arrives after a higher one is applied then', () => {
    const dir = mkdtempSync(join(tmpdir(), 'opstate-migrations-'));
    const shipped = loadSqliteMigrations().map((m) => m.name);
    expect(shipped).toContain('003_event_log_fork_guard_on_seq.sql');
    for (const name of shipped.filter((n) => !n.startsWith('002_'))) {
      copyFileSync(join(SQLITE_MIGRATIONS_DIR, name), join(dir, name));
    }
    const db = new Database(freshSqliteFile('gap'));
    db.pragma('foreign_keys = ON');
    try {
      expect(migrateSqlite(db, loadSqliteMigrations(dir))).toStrictEqual(
        shipped.filter((n) => !n.startsWith('002_')),
      );
      // Another branch's 002 lands later: it is applied on the next open, and nothing else is re-run.
      writeFileSync(join(dir, '002_arrives_later.sql'), 'CREATE TABLE arrived_later (x INTEGER) STRICT;\n');
      expect(migrateSqlite(db, loadSqliteMigrations(dir))).toStrictEqual(['002_arrives_later.sql']);
      expect(names(db)).toContain('002_arrives_later.sql');
      expect(migrateSqlite(db, loadSqliteMigrations(dir))).toStrictEqual([]);
    } finally {
      db.close();
    }
  });

  it('the event-log rebuild keeps a store written before it: every row, verify, append-only, one row per seq', async () => {
    const file = freshSqliteFile('before-rebuild');
    const ws = freshWorkspace();
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    const first = loadSqliteMigrations().filter((m) => m.name.startsWith('001_'));
    migrateSqlite(db, first);
    const prepared = prepareEvents(events(40));
    const written = appendedEvents(ws, prepared, createAppender(db)(ws, prepared));
    db.close();

    const store = await openSqliteChainStore({ file });
    try {
      expect(await store.verify(ws)).toMatchObject({ ok: true, length: 40 });
      const read = await store.read(ws);
      expect(read.map((e) => [e.seq, e.hash, e.payload])).toStrictEqual(
        written.map((e) => [e.seq, e.hash, e.payload]),
      );
      // Idempotency survives the rebuild: a known key is the original row, nothing written.
      const again = await store.append(ws, events(1, 7));
      expect(again[0]).toMatchObject({ duplicate: true, seq: 7 });
      await store.append(ws, events(2, 41));
      expect(await store.verify(ws)).toMatchObject({ ok: true, length: 42 });

      const raw = new Database(file);
      try {
        expect(() => raw.prepare('DELETE FROM event_log WHERE seq = 3').run()).toThrow(
          /append-only: DELETE refused/,
        );
        expect(() =>
          raw.prepare("UPDATE event_log SET payload_canonical = '{}' WHERE seq = 3").run(),
        ).toThrow(/append-only: UPDATE refused/);
        // A fork is a second row at a seq: the primary key refuses it.
        expect(() =>
          raw
            .prepare(
              `INSERT INTO event_log (workspace_id, seq, event_id, event_type, payload_canonical, prev_hash, hash, recorded_at)
               SELECT workspace_id, seq, 'sibling', event_type, '{"sibling":true}', prev_hash, zeroblob(32), recorded_at
                 FROM event_log WHERE workspace_id = ? AND seq = 42`,
            )
            .run(ws),
        ).toThrow(/UNIQUE constraint failed: event_log.workspace_id, event_log.seq/);
        const indexes = raw
          .prepare<[], string>(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'event_log'",
          )
          .pluck()
          .all();
        // The primary key is the table itself (WITHOUT ROWID): one index left, the idempotency key's.
        expect(indexes).toHaveLength(1);
      } finally {
        raw.close();
      }
    } finally {
      await store.close();
    }
  });
});
