// The library entry re-exports these instead of the modules behind them, so that `import 'opstate'` does
// not load a database driver (pg, better-sqlite3) or the inspector server (ws, node:http) until one is used: each
// function loads its module on first call. Types stay static (`import type` is erased).
//
// To add one (e.g. a new store opener): export its option and result types from src/index.ts with
// `export type`, and add a function here of the same name and signature that awaits `import()` of the
// module and calls through. A test (test/unit/lazy-entry.test.ts) fails if the entry loads a module it
// names.

import type { CockpitHandle, StartCockpitOptions } from './cockpit/server.js';
import type { EmitOutbox } from './emit/outbox.js';
import type { InspectionRecorder } from './inspect/recorder.js';
import type { InspectorHandle, StartInspectorOptions } from './inspect/server.js';
import type { StatelyForward, StatelyForwardOptions } from './inspect/stately.js';
import type { PostgresChainStore, PostgresChainStoreOptions } from './store/postgres/postgres-store.js';
import type { SqliteOutboxOptions } from './store/sqlite/sqlite-outbox.js';
import type { SqliteChainStore, SqliteChainStoreOptions } from './store/sqlite/sqlite-store.js';

/**
 * Opens the chain store on a PostgreSQL 15+ server through a `pg` pool (loaded on first call). Every append
 * is one call of the server-side `opstate.chain_append()`, so any number of processes may append to one
 * workspace concurrently without forking its chain. Migrations run on open unless `migrate: false`.
 */
export async function openPostgresChainStore(
  options: PostgresChainStoreOptions,
): Promise<PostgresChainStore> {
  const driver = await import('./store/postgres/postgres-store.js');
  return driver.openPostgresChainStore(options);
}

/**
 * Opens the embedded chain store, one SQLite file (better-sqlite3, loaded on first call). Migrated on open
 * unless `readOnly`; any number of processes may open the same file. See `SqliteChainStoreOptions`.
 */
export async function openSqliteChainStore(options: SqliteChainStoreOptions): Promise<SqliteChainStore> {
  const driver = await import('./store/sqlite/sqlite-store.js');
  return driver.openSqliteChainStore(options);
}

/** A local SQLite outbox for the emit queue (better-sqlite3, loaded on first call); see `EmitOutbox`. */
export async function openSqliteOutbox(options: SqliteOutboxOptions): Promise<EmitOutbox> {
  const driver = await import('./store/sqlite/sqlite-outbox.js');
  return driver.openSqliteOutbox(options);
}

/**
 * Serves the inspector page on loopback and streams a recorder's records to it over a WebSocket (the
 * server modules load on first call). Every request needs the per-run token in the returned URL.
 */
export async function startInspector(options: StartInspectorOptions = {}): Promise<InspectorHandle> {
  const server = await import('./inspect/server.js');
  return server.startInspector(options);
}

/**
 * Forwards a recorder's records to a Stately inspector over a WebSocket (`ws`, loaded on first call):
 * actor records first, then live ones. See `StatelyForwardOptions`.
 */
export async function forwardToStately(
  source: InspectionRecorder | { readonly recorder: InspectionRecorder },
  options: StatelyForwardOptions = {},
): Promise<StatelyForward> {
  const stately = await import('./inspect/stately.js');
  return stately.forwardToStately(source, options);
}

/**
 * Serves the fleet cockpit for a store on loopback (the server modules load on first call): every
 * workspace's state rebuilt from its chain, live. See `StartCockpitOptions`.
 */
export async function startCockpit(options: StartCockpitOptions): Promise<CockpitHandle> {
  const cockpit = await import('./cockpit/server.js');
  return cockpit.startCockpit(options);
}
