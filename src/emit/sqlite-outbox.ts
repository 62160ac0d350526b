import type { CommittedTransition } from '../machine/context.js';
import {
  openSqliteOutbox as openSqliteRecordOutbox,
  type SqliteOutboxOptions,
} from '../store/sqlite/sqlite-outbox.js';
import type { EmitOutbox } from './outbox.js';

export type { SqliteOutboxOptions };

/**
 * Opens (creating if needed) a local SQLite outbox for the runtime's emit queue, to pass as the
 * runtime's `outbox` option: transitions not yet appended survive a restart of the process.
 */
export function openSqliteOutbox(options: SqliteOutboxOptions): Promise<EmitOutbox> {
  return openSqliteRecordOutbox<CommittedTransition>(options);
}
