import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnyActorRef } from 'xstate';
import { type WebSocket, WebSocketServer } from 'ws';
import { OperationalStateInputError } from '../errors.js';
import { consoleLogger, type Logger, safeLog } from '../logger.js';
import {
  admitRequest,
  checkListen,
  COMMON_HEADERS,
  makeToken,
  sendPageAt,
  sendText,
  upgradeWithToken,
  urlHost,
} from './http-guard.js';
import { loadInspectorPage } from './page.js';
import type { InspectorMessage, InspectorRecord } from './records.js';
import {
  createInspectionRecorder,
  type EmitSource,
  type InspectionRecorder,
  type RecorderOptions,
} from './recorder.js';

export interface StartInspectorOptions {
  /**
   * A runtime to watch: its actor (attached late, current state first) and its emit outcomes. The
   * inspector then lives as long as the runtime: `runtime.stop()` closes it (once the last emit has
   * settled), as it does for `inspect: true`. `close()` on the handle closes it earlier.
   */
  readonly runtime?: EmitSource & { readonly actor: AnyActorRef };
  /** Or any running XState actor; the inspector closes when the actor stops or reaches a final state. */
  readonly actor?: AnyActorRef;
  /** Serve this recorder's stream (default: a new one, with `recorderOptions`). */
  readonly recorder?: InspectionRecorder;
  readonly recorderOptions?: RecorderOptions;
  /** Default 0: a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. Anything but loopback also needs `allowRemote: true`. */
  readonly host?: string;
  /** Permit a non-loopback `host`: the token is then all that protects the stream. */
  readonly allowRemote?: boolean;
  readonly logger?: Logger;
}

export interface InspectorHandle {
  /** Open this: the page, with the token. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** Random per run; every page load and socket must carry it as `?token=`. */
  readonly token: string;
  /** The stream being served; pass the handle as a runtime's `inspect` option to record from the start. */
  readonly recorder: InspectionRecorder;
  /** Closes every socket and the server. Idempotent. */
  close(): Promise<void>;
  /** Resolves once the server is closed: by `close()`, or when the runtime or actor it watches stops. */
  readonly closed: Promise<void>;
}

/** A page that reads slower than this backlog is cut off rather than let the server's memory grow. */
const MAX_CLIENT_BACKLOG_BYTES = 16 * 1024 * 1024;

/**
 * Serves the inspector page and streams the recorder's records to it over a WebSocket, replaying what
 * the recorder kept to pages that connect late. Loopback only unless told otherwise; every request needs
 * the per-run token.
 */
export async function startInspector(options: StartInspectorOptions = {}): Promise<InspectorHandle> {
  const { host, port } = checkListen(
    'inspector',
    options.host ?? '127.0.0.1',
    options.port ?? 0,
    options.allowRemote,
  );
  if (options.runtime !== undefined && options.actor !== undefined) {
    throw new OperationalStateInputError('actor', options.actor, 'give runtime or actor, not both');
  }
  const logger = options.logger ?? consoleLogger;
  const page = await loadInspectorPage();
  const recorder =
    options.recorder ?? createInspectionRecorder({ logger, ...(options.recorderOptions ?? {}) });
  const { token, accepts: hasToken } = makeToken();

  const detachers: (() => void)[] = [];
  const clients = new Set<WebSocket>();
  let batch: InspectorRecord[] = [];
  let scheduled = false;
  const send = (ws: WebSocket, message: InspectorMessage) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_CLIENT_BACKLOG_BYTES) {
      ws.close(1013, 'inspector page too slow');
      return;
    }
    ws.send(JSON.stringify(message));
  };
  // Records arrive several per transition; one message per tick keeps the page's work per frame small.
  const flush = () => {
    scheduled = false;
    if (batch.length === 0) return;
    const message: InspectorMessage = { type: 'records', records: batch };
    batch = [];
    for (const ws of clients) send(ws, message);
  };
  detachers.push(
    recorder.subscribe((record) => {
      batch.push(record);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    }),
  );

  const server = createServer((req, res) => serve(req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });

  function serve(req: IncomingMessage, res: ServerResponse) {
    const url = admitRequest(req, res, hasToken);
    if (url === null || sendPageAt(url, res, page)) return;
    const common = COMMON_HEADERS;
    if (url.pathname === '/trace.jsonl') {
      res
        .writeHead(200, {
          ...common,
          'content-type': 'application/x-ndjson; charset=utf-8',
          'content-disposition': 'attachment; filename="opstate-trace.jsonl"',
        })
        .end(recorder.toJSONL());
      return;
    }
    sendText(res, 404, 'not found\n');
  }

  upgradeWithToken(server, wss, hasToken, (ws) => {
    // Deliver what is batched to the pages already open first, so the replay below is exactly
    // "everything so far" and the next batch is exactly "everything after".
    flush();
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', (err) => safeLog(logger, 'warn', { err }, 'inspector socket error'));
    send(ws, { type: 'replay', records: recorder.records(), dropped: recorder.dropped });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      for (const detach of detachers) detach();
      for (const ws of clients) ws.terminate();
      wss.close();
      server.close(() => resolve());
      server.closeAllConnections();
    }).then(markClosed);
    return closing;
  };

  const watched = options.runtime?.actor ?? options.actor;
  if (options.runtime !== undefined) {
    detachers.push(recorder.attachActor(options.runtime.actor));
    detachers.push(recorder.attachEmits(options.runtime));
  } else if (options.actor !== undefined) {
    detachers.push(recorder.attachActor(options.actor));
  }
  if (watched !== undefined) {
    // An inspector started for something lives as long as it: nothing is left listening after it stops.
    const ended = () => {
      void flushedThenClose(options.runtime, close);
    };
    const subscription = watched.subscribe({ complete: ended, error: ended });
    detachers.push(() => subscription.unsubscribe());
  }

  return {
    url: `http://${urlHost(host)}:${bound}/?token=${token}`,
    port: bound,
    host,
    token,
    recorder,
    close,
    closed,
  };
}

/** Closes once the runtime's emits have settled, so the page still receives the last outcomes. */
async function flushedThenClose(runtime: EmitSource | undefined, close: () => Promise<void>): Promise<void> {
  if (runtime !== undefined && runtime.pendingEmits > 0) {
    await new Promise<void>((resolve) => {
      const settled = () => {
        if (runtime.pendingEmits > 0) return;
        detach();
        clearInterval(timer);
        resolve();
      };
      const detach = runtime.onEmit(settled);
      // Emits abandoned by a stop with a flush timeout settle without an outcome: look now and then too.
      const timer = setInterval(settled, 250);
      timer.unref();
    });
  }
  // Let the outcome batch reach open pages (it is flushed on setImmediate) before the sockets close.
  await new Promise((resolve) => setImmediate(resolve));
  await close();
}
