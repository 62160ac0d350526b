import { fileURLToPath } from 'node:url';
import { ChainStoreError } from '../../errors.js';
import { loadMigrationFiles, type Migration } from '../migration-files.js';
import type { Transactor } from './queryable.js';

/**
 * The migration files ship next to the compiled code (`npm run build` copies them), so this resolves
 * both from `src/` under tsx/vitest and from `dist/` in the published package.
 */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Any 64-bit constant: all migrators of one database serialize on it. */
const MIGRATION_LOCK_KEY = 727_270_001;

export type { Migration } from '../migration-files.js';

/** This engine's migrations, in name order, each with the SHA-256 of its text. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return loadMigrationFiles(dir);
}

/**
 * Applies every migration not yet recorded in `opstate.schema_migrations`, each in its own transaction,
 * under an advisory lock so concurrent openers of one database do not race. Returns the names applied
 * now (empty on a re-run). A recorded migration whose file has since changed is refused: the schema on
 * disk would no longer match what the code expects.
 */
export async function migrate(transaction: Transactor, migrations = loadMigrations()): Promise<string[]> {
  const applied: string[] = [];
  for (const m of migrations) {
    const ran = await transaction(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await q.exec(
        `CREATE SCHEMA IF NOT EXISTS opstate;
         CREATE TABLE IF NOT EXISTS opstate.schema_migrations (
           name text PRIMARY KEY,
           checksum text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         );`,
      );
      const rows = await q.query<{ checksum: string }>(
        'SELECT checksum FROM opstate.schema_migrations WHERE name = $1',
        [m.name],
      );
      const recorded = rows[0];
      if (recorded !== undefined) {
        if (recorded.checksum !== m.checksum) {
          throw new ChainStoreError(
            'invalid_input',
            `migration ${m.name} was applied with checksum ${recorded.checksum} but the file now has ${m.checksum}; ` +
              'add a new migration instead of editing an applied one',
          );
        }
        return false;
      }
      await q.exec(m.sql);
      await q.query('INSERT INTO opstate.schema_migrations (name, checksum) VALUES ($1, $2)', [
        m.name,
        m.checksum,
      ]);
      return true;
    });
    if (ran) applied.push(m.name);
  }
  return applied;
}
