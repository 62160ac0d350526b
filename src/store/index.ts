/**
 * `opstate/store`: what a store's operator or implementer needs beyond the openers in `opstate`: the
 * PostgreSQL migrations as data, the SQL store's extra surface, defaults, and the outbox port.
 */
export { loadMigrations, type Migration, MIGRATIONS_DIR } from './postgres/migrate.js';
export type { SqlChainStore } from './postgres/sql-chain-store.js';
export { DEFAULT_BUSY_TIMEOUT_MS } from './sqlite/defaults.js';
export type { EmitOutbox, OutboxEntry, StoredOutboxEntry } from '../emit/outbox.js';
