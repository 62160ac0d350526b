import { fileURLToPath } from 'node:url';
import { ChainStoreError } from '../../errors.js';
import { loadMigrationFiles, type Migration } from '../migration-files.js';
import type { Db } from './connection.js';

/** Beside the compiled code (`npm run build` copies them), so this works from `src/` and from `dist/`. */
export const SQLITE_MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export type { Migration as SqliteMigration } from '../migration-files.js';

/** This engine's migrations, in name order, each with the SHA-256 of its text. */
export function loadSqliteMigrations(dir: string = SQLITE_MIGRATIONS_DIR): Migration[] {
  return loadMigrationFiles(dir);
}

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  name TEXT PRIMARY KEY,
  checksum TEXT NOT NULL,
  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT`;

/**
 * Applies every migration not yet recorded in `schema_migrations`, each in its own `BEGIN IMMEDIATE`
 * transaction: the write lock makes concurrent openers of one file take turns, and the one that comes
 * second finds the migration recorded and skips it. Returns the names applied now. A recorded migration
 * whose file has since changed is refused: the schema would no longer match what the code expects.
 */
export function migrateSqlite(db: Db, migrations = loadSqliteMigrations()): string[] {
  const applied: string[] = [];
  const recordedChecksum = () =>
    db.prepare<[string], { checksum: string }>('SELECT checksum FROM schema_migrations WHERE name = ?');
  for (const m of migrations) {
    const run = db.transaction(() => {
      db.exec(LEDGER);
      const recorded = recordedChecksum().get(m.name);
      if (recorded !== undefined) {
        if (recorded.checksum !== m.checksum) {
          throw new ChainStoreError(
            'migration',
            `migration ${m.name} was applied with checksum ${recorded.checksum} but the file now has ${m.checksum}; ` +
              'add a new migration instead of editing an applied one',
          );
        }
        return false;
      }
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (name, checksum) VALUES (?, ?)').run(m.name, m.checksum);
      return true;
    });
    if (run.immediate()) applied.push(m.name);
  }
  return applied;
}

/**
 * For a read-only opening: the file must already be an opstate store with every migration this package
 * knows applied (nothing may be created or changed). Names the path and what is missing otherwise.
 */
export function assertMigrated(db: Db, file: string, migrations = loadSqliteMigrations()): void {
  const ledger = db
    .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (ledger === undefined) {
    throw new ChainStoreError(
      'not_a_store',
      `${file} is not an opstate chain store: it has no schema_migrations table`,
    );
  }
  const recorded = new Map(
    db
      .prepare<[], { name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations')
      .all()
      .map((r) => [r.name, r.checksum]),
  );
  for (const m of migrations) {
    const checksum = recorded.get(m.name);
    if (checksum === undefined) {
      throw new ChainStoreError(
        'migration',
        `${file} lacks migration ${m.name}; open it once for writing (it migrates on open) before reading it read-only`,
      );
    }
    if (checksum !== m.checksum) {
      throw new ChainStoreError(
        'migration',
        `${file} has migration ${m.name} with checksum ${checksum}, this package expects ${m.checksum}`,
      );
    }
  }
}
