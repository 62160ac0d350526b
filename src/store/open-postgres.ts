import type { PostgresChainStore, PostgresChainStoreOptions } from './postgres/postgres-store.js';

/**
 * Opens the chain store on a PostgreSQL 15+ server. Every append is one call of the server-side
 * `opstate.chain_append()` (one statement per batch), so any number of processes on any number of
 * machines may append to one workspace without forking its chain. Durability is the server's (fsync on
 * by default). Verify streams the chain with binary COPY in constant memory.
 *
 * Opening with `migrate: 'check'` writes nothing: a role with SELECT only can read and verify, and a
 * missing or outdated schema is refused with a `ChainStoreError` of kind `migration`.
 */
export async function openPostgresChainStore(
  options: PostgresChainStoreOptions,
): Promise<PostgresChainStore> {
  // The PostgreSQL store's modules load with its first open: a process on SQLite or memory never pays for them.
  const { openPostgresChainStore: open } = await import('./postgres/postgres-store.js');
  return open(options);
}
