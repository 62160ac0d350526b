/*
 * The SQLite writer on a worker thread (openSqliteChainStore({ writer: 'worker' })): better-sqlite3 is
 * synchronous, so a commit's fsync blocks the thread that calls it; here that is this thread, not the
 * agent's event loop. It owns one connection and runs the same appender (append.ts) as the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ChainStoreError } from '../../errors.js';
import type { PreparedEvent } from '../chain/prepare.js';
import { createAppender } from './append.js';
import { connect } from './connection.js';
import { recoverFromFullDisk } from './disk-full.js';

export interface WriterRequest {
  readonly id: number;
  readonly workspaceId: string;
  readonly events: readonly PreparedEvent[];
}

export interface WriterInit {
  readonly file: string;
  readonly busyTimeoutMs: number;
}

const init = workerData as WriterInit;
const db = connect({
  file: init.file,
  readOnly: false,
  busyTimeoutMs: init.busyTimeoutMs,
  what: 'chain store',
});
const append = recoverFromFullDisk(db, createAppender(db));

parentPort?.on('message', (request: WriterRequest | 'close') => {
  if (request === 'close') {
    db.close();
    parentPort?.close();
    return;
  }
  try {
    parentPort?.postMessage({ id: request.id, written: append(request.workspaceId, request.events) });
  } catch (err) {
    const e = err instanceof ChainStoreError ? err : new ChainStoreError('unavailable', String(err));
    parentPort?.postMessage({
      id: request.id,
      error: { kind: e.kind, message: e.message, eventType: e.eventType },
    });
  }
});
