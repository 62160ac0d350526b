import { existsSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { ChainStoreError } from '../../errors.js';
import { loadSqlite } from './driver.js';
import { openReadOnlyDatabase } from './read-only-open.js';
import { prepareWritablePath } from './store-path.js';

export type Db = Database.Database;

export interface ConnectOptions {
  readonly file: string;
  readonly readOnly: boolean;
  readonly busyTimeoutMs: number;
  /** What the file holds, for error messages: "chain store", "outbox". */
  readonly what: string;
}

/**
 * Opens one connection with the settings every opstate SQLite file uses: WAL (readers in other processes
 * never block the writer), synchronous=FULL (an acknowledged commit survives an OS crash or power loss,
 * which WAL's NORMAL does not promise), a busy timeout (writers of several processes take turns on the
 * lock instead of failing), and foreign keys (off by default, per connection). A read-only opening never
 * creates the file: a missing one is a `not_a_store` error naming the path.
 */
export function connect(options: ConnectOptions): Db {
  const { file, readOnly, busyTimeoutMs, what } = options;
  if (typeof file !== 'string' || file.length === 0) {
    throw new ChainStoreError('invalid_input', `file must be a non-empty path, got ${JSON.stringify(file)}`);
  }
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new ChainStoreError(
      'invalid_input',
      `busyTimeoutMs must be a non-negative integer, got ${JSON.stringify(busyTimeoutMs)}`,
    );
  }
  if (readOnly && !existsSync(file)) {
    throw new ChainStoreError('not_a_store', `no opstate ${what} at ${file}: the file does not exist`);
  }
  if (readOnly && statSync(file).isDirectory()) {
    throw new ChainStoreError('not_a_store', `${file} is a directory, not an opstate ${what} file`);
  }
  if (!readOnly && file !== ':memory:') prepareWritablePath(file, what);
  let db: Db;
  try {
    if (readOnly) {
      // Never creates a file beside the store, and reads a directory this process cannot write.
      db = openReadOnlyDatabase(file, busyTimeoutMs).db;
    } else {
      const Sqlite = loadSqlite();
      db = new Sqlite(file, { timeout: busyTimeoutMs });
    }
  } catch (err) {
    throw new ChainStoreError('unavailable', `cannot open the SQLite ${what} ${file}: ${message(err)}`, {
      cause: err,
    });
  }
  try {
    // journal_mode is stored in the file: a writer sets it once, readers find it there.
    if (!readOnly) db.pragma('journal_mode = WAL');
    // A multi-row INSERT keeps a statement journal (so a refused statement rolls back alone); past 64 KiB
    // SQLite spills it to a temporary file, created and deleted in every transaction of a batch append.
    // In memory it is a copy of the few pages a statement touches: 500-event appends take 10-20% less time.
    if (!readOnly) db.pragma('temp_store = MEMORY');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Touch the schema now, so a file that is not SQLite at all fails here, naming the path.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch (err) {
    db.close();
    if (sqliteCode(err).startsWith('SQLITE_BUSY')) {
      throw new ChainStoreError('locked', `the SQLite ${what} ${file} is locked by another process`, {
        cause: err,
      });
    }
    if (sqliteCode(err) === 'SQLITE_NOTADB') {
      throw new ChainStoreError('not_a_store', `${file} is not an opstate ${what}: not a SQLite database`, {
        cause: err,
      });
    }
    throw new ChainStoreError('unavailable', `cannot open the SQLite ${what} ${file}: ${message(err)}`, {
      cause: err,
    });
  }
  return db;
}

/** better-sqlite3's extended result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_FOREIGNKEY`, …), or ''. */
export function sqliteCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Turns a driver error into a ChainStoreError: a CHECK or type refusal is `invalid_input`; anything else
 * (busy past the timeout, disk full, I/O error) is `unavailable`, which the emit pipeline retries.
 */
export function toChainStoreError(err: unknown, doing: string): ChainStoreError {
  if (err instanceof ChainStoreError) return err;
  const code = sqliteCode(err);
  if (
    code === 'SQLITE_CONSTRAINT_CHECK' ||
    code === 'SQLITE_CONSTRAINT_DATATYPE' ||
    code === 'SQLITE_TOOBIG'
  ) {
    return new ChainStoreError('invalid_input', `SQLite refused the input (${code}): ${message(err)}`, {
      cause: err,
    });
  }
  return new ChainStoreError(
    'unavailable',
    `SQLite ${doing} failed${code ? ` (${code})` : ''}: ${message(err)}`,
    {
      cause: err,
    },
  );
}
