import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ChainStoreError, type ChainStoreErrorKind } from '../../errors.js';
import type { PreparedEvent } from '../chain/prepare.js';
import type { WriterInit, WriterRequest } from './writer-worker.js';
import type { WrittenBatch } from './written-event.js';

type Reply =
  | { id: number; written: WrittenBatch }
  | { id: number; error: { kind: ChainStoreErrorKind; message: string; eventType?: string } };

export interface WorkerAppender {
  append(workspaceId: string, events: readonly PreparedEvent[]): Promise<WrittenBatch>;
  close(): Promise<void>;
}

/**
 * A writer thread that died (an uncaught error, an exit nobody asked for) is started afresh by the next
 * append, at most once per this many ms; appends in between fail fast as `unavailable`, which the runtime
 * retries. Without it a store whose thread died stayed dead while every retry failed.
 */
export const WRITER_RESTART_PAUSE_MS = 1000;

interface Thread {
  readonly worker: Worker;
  readonly waiting: Map<number, { resolve(r: WrittenBatch): void; reject(e: unknown): void }>;
}

/**
 * Starts the writer thread and sends it each batch; replies come back in order. Appends in flight when
 * the thread dies fail as `unavailable` (whether they committed is unknown: their retry carries the same
 * idempotency keys); the next append after WRITER_RESTART_PAUSE_MS starts a new thread.
 */
export function startWorkerAppender(init: WriterInit): WorkerAppender {
  let thread: Thread | null = null;
  let down: { readonly error: ChainStoreError; readonly at: number } | null = null;
  let closed = false;
  let next = 0;

  const fail = (dead: Thread, error: ChainStoreError) => {
    if (thread !== dead) return;
    thread = null;
    down = { error, at: performance.now() };
    for (const w of dead.waiting.values()) w.reject(error);
    dead.waiting.clear();
  };

  const spawn = (): Thread => {
    const worker = newWorker(init);
    // The agent's process must not stay alive for an idle writer.
    worker.unref();
    const started: Thread = { worker, waiting: new Map() };
    worker.on('message', (reply: Reply) => {
      const w = started.waiting.get(reply.id);
      if (w === undefined) return;
      started.waiting.delete(reply.id);
      if (started.waiting.size === 0) worker.unref();
      if ('written' in reply) w.resolve(reply.written);
      else {
        const { kind, message, eventType } = reply.error;
        w.reject(new ChainStoreError(kind, message, eventType === undefined ? undefined : { eventType }));
      }
    });
    worker.on('error', (err: unknown) =>
      fail(
        started,
        new ChainStoreError('unavailable', `the SQLite writer thread failed: ${threadErrorText(err)}`, {
          cause: err,
        }),
      ),
    );
    worker.on('exit', (code) =>
      fail(started, new ChainStoreError('unavailable', `the SQLite writer thread exited (code ${code})`)),
    );
    return started;
  };

  thread = spawn();
  return {
    append(workspaceId, events) {
      if (closed) return Promise.reject(new ChainStoreError('closed', 'the SQLite chain store is closed'));
      if (thread === null) {
        const since = down === null ? Number.POSITIVE_INFINITY : performance.now() - down.at;
        if (down !== null && since < WRITER_RESTART_PAUSE_MS) {
          return Promise.reject(
            new ChainStoreError(
              'unavailable',
              `${down.error.message}; a new writer thread starts within ${Math.ceil(WRITER_RESTART_PAUSE_MS - since)} ms`,
              { cause: down.error },
            ),
          );
        }
        thread = spawn();
      }
      const current = thread;
      const id = next++;
      current.worker.ref();
      return new Promise((resolve, reject) => {
        current.waiting.set(id, { resolve, reject });
        const request: WriterRequest = { id, workspaceId, events };
        current.worker.postMessage(request);
      });
    },
    async close() {
      closed = true;
      const current = thread;
      if (current === null) return;
      // Its exit rejects whatever it still had (nothing, when it closes in order: replies come first).
      const exited = new Promise((resolve) => current.worker.once('exit', resolve));
      current.worker.ref(); // until it has closed its connection
      current.worker.postMessage('close');
      await exited;
    },
  };
}

function newWorker(init: WriterInit): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`./writer-worker${fromSource ? '.ts' : '.js'}`, import.meta.url);
  return fromSource
    ? // Source files need tsx's loader inside the thread too (tsx is a dev dependency; dist is plain .js).
      new Worker(
        `import(${JSON.stringify(tsxApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`,
        { eval: true, workerData: init },
      )
    : new Worker(url, { workerData: init });
}

/**
 * What a thread's uncaught error says. It arrives as a structured clone: a better-sqlite3 error may come
 * back as a plain object with its `code` and no `message`.
 */
function threadErrorText(err: unknown): string {
  if (typeof err !== 'object' || err === null) return String(err);
  const { message, code } = err as { message?: unknown; code?: unknown };
  const text = typeof message === 'string' && message !== '' ? message : 'no message';
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

function tsxApi(): string {
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  return pathToFileURL(join(dirname(pkg), 'dist', 'esm', 'api', 'index.mjs')).href;
}
