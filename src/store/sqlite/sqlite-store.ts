import { CHAIN_EVENT_TYPES } from '../../domain/vocabulary.js';
import { ChainStoreError } from '../../errors.js';
import { type PreparedEvent, prepareEvents } from '../chain/prepare.js';
import type {
  AppendedEvent,
  ChainEvent,
  ChainEventInput,
  ReadOptions,
  StoreChange,
  VerifyResult,
  WorkspaceHead,
  FleetSummaryOptions,
} from '../chain/types.js';
import { assertWorkspaceId, EVENT_TYPE_PATTERN } from '../chain/validate.js';
import type { OwnedChainStore } from '../chain/owner.js';
import { type Appender, createAppender } from './append.js';
import { appendedEvents, type WrittenBatch } from './written-event.js';
import type { WorkerAppender } from './worker-appender.js';
import { connect, type Db, toChainStoreError } from './connection.js';
import { assertMigrated, migrateSqlite } from './migrate.js';
import { recoverFromFullDisk } from './disk-full.js';
import { createLockedWrite, type LockedWrite } from './lock-wait.js';
import { createReader } from './read.js';
import { WATCH_INTERVAL_MS, watchFile } from './watch.js';
import { createFleetSummary } from './fleet-summary.js';
import { sqliteOwnership } from './owner.js';

import { DEFAULT_BUSY_TIMEOUT_MS } from './defaults.js';
import { markStoreKind } from '../store-kind.js';

export { DEFAULT_BUSY_TIMEOUT_MS };

export interface SqliteChainStoreOptions {
  /**
   * The database file, e.g. `./.opstate/chain.db`. Created (with its directory, as `mkdir -p`) unless
   * `readOnly`. A path that is a directory, or in a directory this process cannot write, is refused as
   * `invalid_input` naming it.
   */
  readonly file: string;
  /**
   * Open for reading only (`opstate events`, `opstate verify`): never creates the file and never
   * migrates; a missing file, or one that is not an opstate store, is a `not_a_store` error naming it.
   * Readers in other processes never block the writer, and the writer never waits on them. Leaves no
   * `-wal` or `-shm` file behind, and reads a store in a directory it cannot write (see
   * docs/sqlite-operations.md).
   */
  readonly readOnly?: boolean;
  /**
   * How long an append waits for another process's write transaction (default 5000 ms). The main-thread
   * writer waits on a timer, so the event loop keeps running meanwhile.
   */
  readonly busyTimeoutMs?: number;
  /**
   * Event types to accept beyond the four operational-state literals: added to the `event_types`
   * vocabulary table on open (ignored when read-only). Anything not in that table is refused.
   */
  readonly eventTypes?: readonly string[];
  /**
   * Where appends run (default `'main'`). better-sqlite3 is synchronous: a commit's fsync blocks the
   * thread that calls it, on a slow disk for milliseconds. `'worker'` runs the writer on a worker thread
   * (its own connection) so the agent's event loop is never held by the disk, for a message round trip
   * per append; reads stay on this thread. See docs/performance.md for both.
   */
  readonly writer?: 'main' | 'worker';
}

/** The embedded chain store on one SQLite file. */
export interface SqliteChainStore extends OwnedChainStore {
  /** The database file as given. */
  readonly file: string;
  readonly readOnly: boolean;
  /** Applies pending migrations (opening for writing already did); returns the names applied now. */
  migrate(): Promise<string[]>;
  workspaces(): Promise<string[]>;
  fleetSummary(options?: FleetSummaryOptions): Promise<WorkspaceHead[]>;
  watch(onChange: (change: StoreChange) => void): () => void;
}

/**
 * Opens the embedded chain store: one SQLite file (WAL, synchronous=FULL), migrated on open. Any number
 * of processes may open the same file: writers take turns on SQLite's write lock (each append is one
 * `BEGIN IMMEDIATE` transaction), so a workspace's chain stays gap-free and fork-free; readers see a
 * consistent snapshot and never block the writer. An acknowledged append survives a crash of the process
 * and of the operating system.
 */
export async function openSqliteChainStore(options: SqliteChainStoreOptions): Promise<SqliteChainStore> {
  if (typeof options !== 'object' || options === null) {
    throw new ChainStoreError('invalid_input', 'openSqliteChainStore needs { file }');
  }
  const { file } = options;
  const readOnly = options.readOnly === true;
  const extraTypes = options.eventTypes ?? [];
  for (const t of extraTypes) {
    if (typeof t !== 'string' || !EVENT_TYPE_PATTERN.test(t)) {
      throw new ChainStoreError(
        'invalid_input',
        `eventTypes: ${JSON.stringify(t)} is not a dotted lowercase event type`,
      );
    }
  }
  const writer = options.writer ?? 'main';
  if (writer !== 'main' && writer !== 'worker') {
    throw new ChainStoreError(
      'invalid_input',
      `writer must be 'main' or 'worker', got ${JSON.stringify(writer)}`,
    );
  }
  if (writer === 'worker' && !readOnly && isPrivateDatabase(file)) {
    // The writer thread opens its own connection, and an in-memory or temporary database is private to
    // the connection that made it: the thread's appends would go to an empty database of its own.
    throw new ChainStoreError(
      'invalid_input',
      `writer 'worker' needs a database file, got ${JSON.stringify(file)} (in-memory and temporary databases belong to one connection; use writer 'main')`,
    );
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const db = connect({ file, readOnly, busyTimeoutMs, what: 'chain store' });
  try {
    if (readOnly) {
      assertMigrated(db, file);
    } else {
      migrateSqlite(db);
      const known = new Set(CHAIN_EVENT_TYPES as readonly string[]);
      const add = db.prepare('INSERT OR IGNORE INTO event_types (event_type) VALUES (?)');
      const missing = extraTypes.filter((t) => !known.has(t));
      if (missing.length > 0) db.transaction(() => missing.forEach((t) => add.run(t))).immediate();
    }
  } catch (err) {
    db.close();
    throw toChainStoreError(err, `opening ${file}`);
  }
  // Migrated above, on this thread, before a writer thread opens its own connection. Node's worker
  // machinery (about half a MiB) loads only for a store that asks for the thread.
  let worker: WorkerAppender | null = null;
  if (!readOnly && writer === 'worker') {
    try {
      worker = (await import('./worker-appender.js')).startWorkerAppender({ file, busyTimeoutMs });
    } catch (err) {
      db.close();
      throw toChainStoreError(err, `starting the writer thread for ${file}`);
    }
  }
  return markStoreKind(createSqliteChainStore(db, file, readOnly, worker, busyTimeoutMs), 'sqlite');
}

/** SQLite's in-memory (`:memory:`, `file::memory:…`, `mode=memory`) and temporary (`''`) databases. */
function isPrivateDatabase(file: unknown): boolean {
  if (typeof file !== 'string') return false;
  return file === '' || file === ':memory:' || /^file::memory:|[?&]mode=memory(&|$)/.test(file);
}

function createSqliteChainStore(
  db: Db,
  file: string,
  readOnly: boolean,
  worker: WorkerAppender | null,
  busyTimeoutMs: number,
): SqliteChainStore {
  const local = readOnly || worker !== null ? null : recoverFromFullDisk(db, createAppender(db));
  // The main-thread writer waits for another process's write lock on a timer, not inside SQLite.
  // Owned appends and claims run on this connection whatever the writer, so they wait the same way.
  const lockedWrite = readOnly ? null : createLockedWrite(db, busyTimeoutMs);
  const append = readOnly
    ? null
    : worker !== null
      ? worker.append
      : async (ws: string, events: readonly PreparedEvent[]): Promise<WrittenBatch> => {
          // The commit is synchronous. Yielding one macrotask first lets a caller that is still queueing
          // (a burst of transitions) finish, so its next append carries a batch instead of one event.
          await new Promise((resolve) => setImmediate(resolve));
          return (lockedWrite as LockedWrite)(() => (local as Appender)(ws, events));
        };
  const reader = createReader(db);
  const summary = createFleetSummary(db);
  const watchers = new Set<(change: StoreChange) => void>();
  const stopWatching = new Set<() => void>();
  let closed = false;
  const assertOpen = () => {
    if (closed) throw new ChainStoreError('closed', `the SQLite chain store ${file} is closed`);
  };

  const ownership = sqliteOwnership(db, {
    readOnly,
    lockedWrite,
    assertOpen,
    notify: (change) => watchers.forEach((watcher) => queueMicrotask(() => watcher(change))),
  });
  return {
    file,
    readOnly,
    ownership,

    async migrate() {
      assertOpen();
      if (readOnly) throw new ChainStoreError('invalid_input', `${file} is open read-only: cannot migrate`);
      try {
        return migrateSqlite(db);
      } catch (err) {
        throw toChainStoreError(err, 'migrate');
      }
    },

    async append(workspaceId: string, events: readonly ChainEventInput[]): Promise<AppendedEvent[]> {
      assertOpen();
      if (append === null) {
        throw new ChainStoreError('invalid_input', `${file} is open read-only: append refused`);
      }
      assertWorkspaceId(workspaceId);
      if (!Array.isArray(events)) throw new ChainStoreError('invalid_input', 'events must be an array');
      // Validate and canonicalize everything before the transaction: all or nothing.
      const prepared = prepareEvents(events);
      const results = appendedEvents(workspaceId, prepared, await append(workspaceId, prepared));
      const last = watchers.size > 0 ? results.filter((r) => !r.duplicate).at(-1) : undefined;
      if (last !== undefined) {
        // data_version does not change for this connection's own commits: tell local watchers directly.
        const change: StoreChange = { workspaceId, seq: last.seq };
        for (const watcher of watchers) queueMicrotask(() => watcher(change));
      }
      return results;
    },

    async read(workspaceId: string, options?: ReadOptions): Promise<ChainEvent[]> {
      assertOpen();
      assertWorkspaceId(workspaceId);
      return reader.read(workspaceId, options);
    },

    async workspaces(): Promise<string[]> {
      assertOpen();
      return reader.workspaces();
    },

    async fleetSummary(options?: FleetSummaryOptions): Promise<WorkspaceHead[]> {
      assertOpen();
      return summary(options);
    },

    async verify(workspaceId: string): Promise<VerifyResult> {
      assertOpen();
      assertWorkspaceId(workspaceId);
      try {
        return await reader.verify(workspaceId);
      } catch (err) {
        throw toChainStoreError(err, 'verify');
      }
    },

    watchMode() {
      return {
        kind: 'poll' as const,
        intervalMs: WATCH_INTERVAL_MS,
        detail: `asks SQLite for commits by other connections (PRAGMA data_version) every ${WATCH_INTERVAL_MS} ms; this process's own appends are pushed`,
      };
    },

    watch(onChange: (change: StoreChange) => void): () => void {
      assertOpen();
      const watcher = (change: StoreChange) => onChange(change);
      watchers.add(watcher);
      const stopFile = watchFile(db, watcher);
      const stop = () => {
        watchers.delete(watcher);
        stopFile();
        stopWatching.delete(stop);
      };
      stopWatching.add(stop);
      return stop;
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const stop of [...stopWatching]) stop();
      try {
        await worker?.close();
      } finally {
        db.close();
      }
    },
  };
}
