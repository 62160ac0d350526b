import { type Outbox, type OutboxRecord, OutboxWorkspaceError, type StoredOutboxRecord } from '../outbox.js';
import { ChainStoreError } from '../../errors.js';
import { workspaceIdProblem } from '../chain/validate.js';
import { connect, sqliteCode, toChainStoreError } from './connection.js';
import { prepareOutboxSchema } from './sqlite-outbox-schema.js';

export interface SqliteOutboxOptions {
  /**
   * The outbox file, e.g. `./.opstate/outbox.db`: one per agent process. The opening process holds it
   * exclusively until it closes or dies, so a second opener gets a `locked` error instead of draining
   * entries that are still in flight in the first.
   */
  readonly file: string;
  /**
   * The workspace whose transitions this outbox queues (the runtime's `workspaceId`). Every entry records
   * it; opening fails with `OutboxWorkspaceError` while the file holds entries of another workspace.
   */
  readonly workspaceId: string;
  /**
   * Only for a file written before entries recorded their workspace that still holds entries: the
   * workspace those entries were queued for (the one the process that wrote the file ran for). They are
   * labelled with it as the file is upgraded; without it such a file refuses to open.
   */
  readonly unlabelledWorkspaceId?: string;
}

/**
 * A local SQLite outbox for the emit queue (see Outbox): for an agent on a remote store (PostgreSQL)
 * whose server is away, queued emits survive a restart or SIGKILL and drain first, in order, on the next
 * start. Same settings as the chain store (WAL, synchronous=FULL): a `put` that returned survives an OS
 * crash too.
 */
export async function openSqliteOutbox<TQueued = unknown>(
  options: SqliteOutboxOptions,
): Promise<Outbox<TQueued>> {
  const file = options?.file;
  const workspaceId = checkedWorkspace('workspaceId', options?.workspaceId);
  const unlabelled =
    options?.unlabelledWorkspaceId === undefined
      ? undefined
      : checkedWorkspace('unlabelledWorkspaceId', options.unlabelledWorkspaceId);
  const db = connect({ file, readOnly: false, busyTimeoutMs: 0, what: 'outbox' });
  try {
    // The lock is held from the first write until the connection closes; the OS drops it when the
    // process dies, so a killed owner never leaves the file locked.
    db.pragma('locking_mode = EXCLUSIVE');
    // better-sqlite3's transaction: committed if the check passes, rolled back (nothing changed) if it throws.
    db.transaction(() => prepareOutboxSchema(db, { file, workspaceId, unlabelled })).exclusive();
  } catch (err) {
    db.close();
    if (sqliteCode(err).startsWith('SQLITE_BUSY') || sqliteCode(err).startsWith('SQLITE_LOCKED')) {
      throw new ChainStoreError('locked', `the outbox ${file} is held by another open process`, {
        cause: err,
      });
    }
    if (err instanceof OutboxWorkspaceError) throw err;
    throw toChainStoreError(err, `opening the outbox ${file}`);
  }
  const insert = db.prepare<[string, string, string]>(
    'INSERT INTO outbox (workspace_id, transition, events) VALUES (?, ?, ?)',
  );
  const remove = db.prepare<[number]>('DELETE FROM outbox WHERE id = ?');
  const pending = db.prepare<[string], { id: number; transition: string; events: string }>(
    'SELECT id, transition, events FROM outbox WHERE workspace_id = ? ORDER BY id',
  );
  let closed = false;
  const assertOpen = () => {
    if (closed) throw new ChainStoreError('closed', `the outbox ${file} is closed`);
  };
  const guarded = <T>(doing: string, fn: () => T): T => {
    assertOpen();
    try {
      return fn();
    } catch (err) {
      throw toChainStoreError(err, `outbox ${doing}`);
    }
  };
  return {
    workspaceId,
    async put(entry: OutboxRecord<TQueued>) {
      return guarded('put', () =>
        Number(
          insert.run(workspaceId, JSON.stringify(entry.transition), JSON.stringify(entry.events))
            .lastInsertRowid,
        ),
      );
    },
    async remove(id: number) {
      guarded('remove', () => remove.run(id));
    },
    async pending(): Promise<StoredOutboxRecord<TQueued>[]> {
      return guarded('pending', () =>
        pending.all(workspaceId).map((r) => ({
          id: r.id,
          // Given back as it was put: this workspace's emitter wrote it, of this very type.
          transition: JSON.parse(r.transition) as TQueued,
          events: JSON.parse(r.events) as StoredOutboxRecord<TQueued>['events'],
        })),
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

/** The stores' own rule for a workspace id, named after the outbox option that carries it. */
function checkedWorkspace(field: string, value: unknown): string {
  const problem = workspaceIdProblem(value);
  if (problem !== null || typeof value !== 'string') {
    const shown = value === undefined ? 'undefined' : JSON.stringify(value);
    throw new ChainStoreError(
      'invalid_input',
      `outbox ${field}: ${problem ?? 'expected a string'}, got ${shown}`,
    );
  }
  return value;
}
