import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isPostgresUrl, redactUrl } from '../cli/open-store.js';
import { UsageError } from '../cli/exit-codes.js';
import type { ChainStore } from '../store/chain/types.js';

/**
 * Opens a store for the cockpit to read: a PostgreSQL URL (never migrated: the cockpit is no writer), or
 * a SQLite file (a directory means its `chain.db`).
 */
export async function openCockpitStore(spec: string): Promise<{ store: ChainStore; label: string }> {
  if (isPostgresUrl(spec)) {
    const { openPostgresChainStore } = await import('../store/postgres/postgres-store.js');
    return { store: await openPostgresChainStore({ connectionString: spec, migrate: false }), label: redactUrl(spec) };
  }
  if (!existsSync(spec)) {
    throw new UsageError(`--store ${spec} does not exist: pass a SQLite store file (or its directory) or a postgres:// URL`);
  }
  const file = statSync(spec).isDirectory() ? join(spec, 'chain.db') : spec;
  if (!existsSync(file)) throw new UsageError(`--store ${spec} has no chain.db: is it an opstate store directory?`);
  throw new UsageError(`--store ${file}: the SQLite store is not available in this build`);
}
