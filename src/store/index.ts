/**
 * `opstate/store`: what a store's operator or implementer needs beyond the openers in `opstate`: the
 * PostgreSQL migrations as data, the SQL store's extra surface, defaults, and the outbox port.
 */
export { loadMigrations, type Migration, MIGRATIONS_DIR } from './postgres/migrate.js';
export type { SqlChainStore } from './postgres/sql-chain-store.js';
export { DEFAULT_BUSY_TIMEOUT_MS } from './sqlite/defaults.js';

// One owner per workspace (what `resumeOperationalState` claims), and the process restarts a chain shows
export {
  isFencedError,
  type OwnedChainStore,
  type OwnerClaim,
  ownershipOf,
  type WorkspaceOwnership,
} from './chain/owner.js';
export { type ChainRestart, findRestarts } from './chain/restarts.js';
// The outbox port every outbox implements (the runtime's `EmitOutbox` is it, holding committed transitions)
export {
  type Outbox,
  type OutboxRecord,
  OutboxWorkspaceError,
  type OutboxWorkspaceProblem,
  type StoredOutboxRecord,
} from './outbox.js';
