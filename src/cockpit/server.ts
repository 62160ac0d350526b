import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { consoleLogger, type Logger, safeLog } from '../logger.js';
import {
  admitRequest,
  checkListen,
  makeToken,
  sendJson,
  sendPageAt,
  sendText,
  upgradeWithToken,
  urlHost,
} from '../inspect/http-guard.js';
import { loadInspectorPage } from '../inspect/page.js';
import type { ChainStore } from '../store/chain/types.js';
import { workspaceDetail } from './detail.js';
import { Fleet, type FleetOptions } from './fleet.js';
import { PageFeed } from './page-feed.js';
import type { CockpitMessage } from './wire.js';
import { cockpitTable, type CockpitTable } from './table.js';
import { type CockpitMetricsOptions, startMetricsEndpoint } from './metrics-endpoint.js';

export interface StartCockpitOptions extends FleetOptions {
  /** The store to show: read only, never written or migrated. The cockpit does not close it. */
  readonly store: ChainStore;
  /** How to name the store on the page (a path, a URL without password). */
  readonly storeLabel?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. Anything but loopback also needs `allowRemote: true`. */
  readonly host?: string;
  readonly allowRemote?: boolean;
  readonly logger?: Logger;
  /** Serve `GET /metrics` in the Prometheus text format (Bearer token); see CockpitMetricsOptions. */
  readonly metrics?: boolean | CockpitMetricsOptions;
}

export interface CockpitHandle {
  /** Open this: the page, with the token. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** Random per run; the page, its socket and `/api/…` all need it as `?token=`. */
  readonly token: string;
  readonly fleet: Fleet;
  /** The Prometheus endpoint (`Authorization: Bearer <token>`), or null without `metrics`. */
  readonly metricsUrl: string | null;
  /** Stops following the store and closes every socket and the server (not the store). Idempotent. */
  close(): Promise<void>;
}

/**
 * Reads the first page of `store`'s workspaces, then serves the cockpit page and follows the store live
 * while the rest of the fleet loads behind it (`handle.fleet.load()` resolves once it is all in).
 */
export async function startCockpit(options: StartCockpitOptions): Promise<CockpitHandle> {
  const { host, port } = checkListen(
    'cockpit',
    options.host ?? '127.0.0.1',
    options.port ?? 0,
    options.allowRemote,
  );
  const logger = options.logger ?? consoleLogger;
  const page = await loadInspectorPage('cockpit.html');
  const fleet = new Fleet(options.store, options);
  await fleet.loadFirstPage();
  fleet.follow();
  const { token, accepts } = makeToken();
  const metrics = options.metrics
    ? await startMetricsEndpoint(fleet, token, options.metrics === true ? {} : options.metrics)
    : null;
  const label = options.storeLabel ?? 'store';
  const feed = new PageFeed(fleet, label, logger);

  const server = createServer((req, res) => {
    void serve(req, res).catch((err: unknown) => {
      safeLog(logger, 'warn', { err }, 'cockpit request failed');
      if (!res.headersSent) sendText(res, 500, 'cockpit: the store could not be read\n');
      else res.end();
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (metrics?.handles(req)) return metrics.serve(req, res);
    const url = admitRequest(req, res, accepts);
    if (url === null || sendPageAt(url, res, page)) return;
    if (url.pathname === '/api/workspaces') return sendJson(res, cockpitTable(fleet, label));
    const detail = /^\/api\/workspaces\/([^/]+)$/.exec(url.pathname);
    if (detail !== null) {
      const id = decodeURIComponent(detail[1] as string);
      const summary = fleet.get(id);
      if (summary === undefined)
        return sendText(res, 404, `no workspace ${JSON.stringify(id)} in this store\n`);
      return sendJson(res, { summary, ...(await workspaceDetail(options.store, id, summary.chainLength)) });
    }
    sendText(res, 404, 'not found\n');
  }

  upgradeWithToken(server, wss, accepts, (ws) => feed.add(ws));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${urlHost(host)}:${bound}/?token=${token}`,
    port: bound,
    host,
    token,
    fleet,
    metricsUrl: metrics === null ? null : `http://${urlHost(host)}:${bound}/metrics`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        feed.close();
        metrics?.close();
        fleet.close();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

export type { CockpitMessage, CockpitTable };
