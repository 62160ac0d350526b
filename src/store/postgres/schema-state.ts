import { ChainStoreError } from '../../errors.js';
import { loadMigrations } from './migrate.js';
import type { Queryable } from './queryable.js';

/**
 * Checks, reading only, that the database holds the schema this package expects: every migration
 * applied, none edited, none unknown. Refuses with kind `migration` and a message naming what is
 * missing and how to fix it. Needs nothing beyond SELECT on the `opstate` schema.
 */
export async function assertSchemaCurrent(db: Queryable, label: string): Promise<void> {
  const present = await db.query<{ has: boolean }>(
    "SELECT to_regclass('opstate.schema_migrations') IS NOT NULL AS has",
  );
  if (present[0]?.has !== true) {
    throw new ChainStoreError(
      'migration',
      `no opstate schema in ${label}: create it with \`opstate migrate --store <url>\` (read commands never change a schema)`,
    );
  }
  const rows = await db.query<{ name: string; checksum: string }>(
    'SELECT name, checksum FROM opstate.schema_migrations ORDER BY name',
  );
  const applied = new Map(rows.map((r) => [r.name, r.checksum]));
  const expected = loadMigrations();
  const pending = expected.filter((m) => !applied.has(m.name)).map((m) => m.name);
  if (pending.length > 0) {
    throw new ChainStoreError(
      'migration',
      `the opstate schema in ${label} is older than this package: ${pending.join(', ')} not applied; ` +
        'run `opstate migrate --store <url>` as a role that may change the schema',
    );
  }
  const known = new Set(expected.map((m) => m.name));
  const unknown = rows.map((r) => r.name).filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new ChainStoreError(
      'migration',
      `the opstate schema in ${label} is newer than this package (applied: ${unknown.join(', ')}): upgrade opstate`,
    );
  }
  const edited = expected.filter((m) => applied.get(m.name) !== m.checksum).map((m) => m.name);
  if (edited.length > 0) {
    throw new ChainStoreError(
      'migration',
      `migration ${edited.join(', ')} in ${label} was applied from a different file than this package ships`,
    );
  }
}
