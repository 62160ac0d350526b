import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isPostgresUrl, redactUrl } from '../cli/open-store.js';
import { UsageError } from '../cli/exit-codes.js';
import { ChainStoreError } from '../errors.js';
import type { ChainStore } from '../store/chain/types.js';

/**
 * Opens a store for the cockpit to read, and only read: a PostgreSQL URL (schema checked, never
 * migrated), or a SQLite file opened read-only (a directory means its `chain.db`).
 */
export async function openCockpitStore(spec: string): Promise<{ store: ChainStore; label: string }> {
  try {
    if (isPostgresUrl(spec)) {
      const { openPostgresChainStore } = await import('../store/postgres/postgres-store.js');
      const store = await openPostgresChainStore({ connectionString: spec, migrate: 'check' });
      return { store, label: redactUrl(spec) };
    }
    if (!existsSync(spec)) {
      throw new UsageError(
        `--store ${spec} does not exist: pass a SQLite store file (or its directory) or a postgres:// URL`,
      );
    }
    const file = statSync(spec).isDirectory() ? join(spec, 'chain.db') : spec;
    const { openSqliteChainStore } = await import('../store/sqlite/sqlite-store.js');
    return { store: await openSqliteChainStore({ file, readOnly: true }), label: file };
  } catch (err) {
    // Not a store, or a schema the cockpit does not know: the command line named the wrong thing.
    if (err instanceof ChainStoreError && (err.kind === 'migration' || err.kind === 'not_a_store')) {
      throw new UsageError(err.message);
    }
    throw err;
  }
}
