import type { Outbox, OutboxRecord, StoredOutboxRecord } from '../outbox.js';
import { ChainStoreError } from '../../errors.js';
import { connect, sqliteCode, toChainStoreError } from './connection.js';

export interface SqliteOutboxOptions {
  /**
   * The outbox file, e.g. `./.opstate/outbox.db`: one per agent process. The opening process holds it
   * exclusively until it closes or dies, so a second opener gets a `locked` error instead of draining
   * entries that are still in flight in the first.
   */
  readonly file: string;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  transition TEXT NOT NULL,
  events TEXT NOT NULL,
  queued_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT`;

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
  const db = connect({ file, readOnly: false, busyTimeoutMs: 0, what: 'outbox' });
  try {
    // The lock is held from the first write until the connection closes; the OS drops it when the
    // process dies, so a killed owner never leaves the file locked.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec(`BEGIN EXCLUSIVE; ${SCHEMA}; COMMIT`);
  } catch (err) {
    db.close();
    if (sqliteCode(err).startsWith('SQLITE_BUSY') || sqliteCode(err).startsWith('SQLITE_LOCKED')) {
      throw new ChainStoreError('locked', `the outbox ${file} is held by another open process`, {
        cause: err,
      });
    }
    throw toChainStoreError(err, `opening the outbox ${file}`);
  }
  const insert = db.prepare<[string, string]>('INSERT INTO outbox (transition, events) VALUES (?, ?)');
  const remove = db.prepare<[number]>('DELETE FROM outbox WHERE id = ?');
  const pending = db.prepare<[], { id: number; transition: string; events: string }>(
    'SELECT id, transition, events FROM outbox ORDER BY id',
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
    async put(entry: OutboxRecord<TQueued>) {
      return guarded('put', () =>
        Number(insert.run(JSON.stringify(entry.transition), JSON.stringify(entry.events)).lastInsertRowid),
      );
    },
    async remove(id: number) {
      guarded('remove', () => remove.run(id));
    },
    async pending(): Promise<StoredOutboxRecord<TQueued>[]> {
      return guarded('pending', () =>
        pending.all().map((r) => ({
          id: r.id,
          // Given back as it was put: this process's emitter wrote it, of this very type.
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
