/*
 * Opening a WAL database for reading without leaving anything behind. A plain read-only connection to a
 * WAL file needs the `-wal` and `-shm` files beside it: it creates them when missing (and, being
 * read-only, never removes them), and in a directory it cannot write it fails with "attempt to write a
 * readonly database". better-sqlite3 is built without URI filenames, so `?immutable=1` is not available.
 * Three cases, by what is on disk:
 *
 *   1. `-wal` exists: a writer is live (or crashed mid-run). Read through SQLite's own read-only WAL
 *      support, which sees every commit of the live writer; it opens an existing `-shm` read-only when it
 *      cannot write it, so this works in a directory the process cannot write too.
 *   2. No `-wal`, and the process can write the directory and the file: no writer is live (the last
 *      connection to close removes the `-wal`). Open read-write with `query_only` (SQLite refuses any
 *      write), so this connection, when it is the last to close, removes the `-wal` and `-shm` its reads
 *      created, exactly as a writer's close does. A writer starting meanwhile is seen as usual.
 *   3. No `-wal`, and the process cannot write there (a 0555 directory, a read-only mount, a backup
 *      owned by another user): the file is the whole database. It is read into memory and opened from
 *      there (its header switched from WAL to rollback so SQLite's in-memory database accepts it): nothing
 *      is created on disk; the reader sees the file as it was when opened.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { loadSqlite } from './driver.js';
import { canWrite } from './store-path.js';

/** Offsets 18 and 19 of a SQLite header: file format write/read versions, 2 meaning WAL. */
const WRITE_VERSION_OFFSET = 18;
const READ_VERSION_OFFSET = 19;
const WAL_FORMAT = 2;
const ROLLBACK_FORMAT = 1;

/** How a read-only reader opened the file (see the cases above). */
export type ReadOnlyMode = 'live-wal' | 'query-only' | 'snapshot';

/** Opens `file` (which exists) for reading only; the caller applies the per-connection pragmas. */
export function openReadOnlyDatabase(
  file: string,
  busyTimeoutMs: number,
): { db: Database.Database; mode: ReadOnlyMode } {
  if (existsSync(`${file}-wal`)) {
    return {
      db: new (loadSqlite())(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs }),
      mode: 'live-wal',
    };
  }
  if (canWrite(dirname(file)) && canWrite(file)) {
    const db = new (loadSqlite())(file, { fileMustExist: true, timeout: busyTimeoutMs });
    db.pragma('query_only = ON');
    return { db, mode: 'query-only' };
  }
  const bytes = readFileSync(file);
  if (bytes.length > READ_VERSION_OFFSET && bytes[WRITE_VERSION_OFFSET] === WAL_FORMAT) {
    bytes[WRITE_VERSION_OFFSET] = ROLLBACK_FORMAT;
    bytes[READ_VERSION_OFFSET] = ROLLBACK_FORMAT;
  }
  return { db: new (loadSqlite())(bytes, { readonly: true, timeout: busyTimeoutMs }), mode: 'snapshot' };
}
