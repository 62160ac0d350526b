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
 * Starts the writer thread and sends it each batch; replies come back in order.
 */
export function startWorkerAppender(init: WriterInit): WorkerAppender {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`./writer-worker${fromSource ? '.ts' : '.js'}`, import.meta.url);
  const worker = fromSource
    ? // Source files need tsx's loader inside the thread too (tsx is a dev dependency; dist is plain .js).
      new Worker(
        `import(${JSON.stringify(tsxApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`,
        { eval: true, workerData: init },
      )
    : new Worker(url, { workerData: init });
  // The agent's process must not stay alive for an idle writer.
  worker.unref();
  const waiting = new Map<number, { resolve(r: WrittenBatch): void; reject(e: unknown): void }>();
  let next = 0;
  let failed: Error | null = null;
  const failAll = (err: Error) => {
    failed = err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('message', (reply: Reply) => {
    const w = waiting.get(reply.id);
    if (w === undefined) return;
    waiting.delete(reply.id);
    if (waiting.size === 0) worker.unref();
    if ('written' in reply) w.resolve(reply.written);
    else {
      const { kind, message, eventType } = reply.error;
      w.reject(new ChainStoreError(kind, message, eventType === undefined ? undefined : { eventType }));
    }
  });
  worker.on('error', (err: unknown) =>
    failAll(
      new ChainStoreError('unavailable', `the SQLite writer thread failed: ${threadErrorText(err)}`, {
        cause: err,
      }),
    ),
  );
  worker.on('exit', () => failAll(new ChainStoreError('closed', 'the SQLite writer thread has exited')));
  return {
    append(workspaceId, events) {
      if (failed !== null) return Promise.reject(failed);
      const id = next++;
      worker.ref();
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        const request: WriterRequest = { id, workspaceId, events };
        worker.postMessage(request);
      });
    },
    async close() {
      if (failed !== null) return;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.ref(); // until it has closed its connection
      worker.postMessage('close');
      await exited;
    },
  };
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
