import type { WebSocket } from 'ws';
import { type Logger, safeLog } from '../logger.js';
import type { Fleet } from './fleet.js';
import { DEFAULT_VIEW, fleetCounts, parseViewRequest, viewOrder } from './view.js';
import type { CockpitMessage, CockpitViewRequest, WorkspaceSummary } from './wire.js';

/** A page that reads slower than this backlog is cut off rather than let the server's memory grow. */
const MAX_CLIENT_BACKLOG_BYTES = 16 * 1024 * 1024;
/** Changes are sent at most this often: a busy fleet sends one message per tick, not one per append. */
const SEND_EVERY_MS = 100;
/**
 * Re-filtering and re-sorting a large fleet costs tens of milliseconds: between two ticks the server
 * waits at least this many times what the last one cost, so a flood of verdicts cannot starve reads.
 */
const BACKOFF_FACTOR = 4;

interface Client {
  view: CockpitViewRequest;
  order: WorkspaceSummary[] | null;
}

/** The whole fleet in id order: the view whose order only a new workspace changes. */
const byIdOnly = (v: CockpitViewRequest) =>
  v.sort === 'workspace' && v.ascending && v.filter === null && v.search === '';

const byId = (a: WorkspaceSummary, b: WorkspaceSummary) =>
  a.workspaceId < b.workspaceId ? -1 : a.workspaceId > b.workspaceId ? 1 : 0;

/**
 * The cockpit's socket side: each page says which slice of which view it shows, and gets exactly that
 * slice, again after every change (at most once a tick). Filtering, sorting and the counts run here over
 * the fleet's rows; no message ever carries the whole fleet.
 */
export class PageFeed {
  readonly #fleet: Fleet;
  readonly #store: string;
  readonly #logger: Logger;
  readonly #clients = new Map<WebSocket, Client>();
  #rows: WorkspaceSummary[] | null = null;
  /** Some rows in `#rows` changed since it was listed. */
  #stale = false;
  #counts: ReturnType<typeof fleetCounts> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #lastCostMs = 0;
  /** How many workspaces the rows were listed with: more means new ones to put in order. */
  #sizeOrdered = -1;
  readonly #unsubscribe: () => void;

  constructor(fleet: Fleet, store: string, logger: Logger) {
    this.#fleet = fleet;
    this.#store = store;
    this.#logger = logger;
    this.#unsubscribe = fleet.subscribe(() => this.#changed());
  }

  add(ws: WebSocket): void {
    const client: Client = { view: DEFAULT_VIEW, order: null };
    this.#clients.set(ws, client);
    ws.on('close', () => this.#clients.delete(ws));
    ws.on('error', (err) => safeLog(this.#logger, 'warn', { err }, 'cockpit socket error'));
    ws.on('message', (data) => {
      let view: CockpitViewRequest;
      try {
        view = parseViewRequest(JSON.parse(String(data)));
      } catch (err) {
        ws.close(1008, `bad view request: ${String(err).slice(0, 100)}`);
        return;
      }
      const reorder =
        view.sort !== client.view.sort ||
        view.ascending !== client.view.ascending ||
        view.filter !== client.view.filter ||
        view.search !== client.view.search;
      client.view = view;
      if (reorder) client.order = null;
      this.#send(ws, client);
    });
    this.#send(ws, client);
  }

  close(): void {
    this.#unsubscribe();
    if (this.#timer !== null) clearTimeout(this.#timer);
    for (const ws of this.#clients.keys()) ws.terminate();
    this.#clients.clear();
  }

  #changed(): void {
    const grew = this.#fleet.size !== this.#sizeOrdered;
    if (grew) this.#rows = null;
    this.#stale = true;
    this.#counts = null;
    let reordered = false;
    for (const c of this.#clients.values()) {
      // The whole fleet by id keeps its order when rows change: only a new workspace moves it. Its
      // rows are looked up fresh when sent, so a transition costs one tick, not a re-sort.
      if (grew || !byIdOnly(c.view)) {
        c.order = null;
        reordered = true;
      }
    }
    if (this.#timer !== null || this.#clients.size === 0) return;
    const wait = reordered ? Math.max(SEND_EVERY_MS, this.#lastCostMs * BACKOFF_FACTOR) : SEND_EVERY_MS;
    this.#timer = setTimeout(() => this.#flush(), wait);
  }

  #flush(): void {
    this.#timer = null;
    const start = performance.now();
    for (const [ws, client] of this.#clients) this.#send(ws, client);
    this.#lastCostMs = performance.now() - start;
  }

  #allRows(): WorkspaceSummary[] {
    if (this.#rows !== null && this.#stale) {
      // The same workspaces, some of them changed: refreshed in place. A new array of the whole fleet
      // per tick would be megabytes of garbage a second while 100,000 verdicts come in.
      const rows = this.#rows;
      for (let i = 0; i < rows.length; i += 1) {
        rows[i] = this.#fleet.get((rows[i] as WorkspaceSummary).workspaceId) ?? (rows[i] as WorkspaceSummary);
      }
    }
    this.#stale = false;
    if (this.#rows === null) {
      const rows = this.#fleet.summaries();
      // Already in id order unless workspaces appeared after the load: then one sort puts them in place.
      for (let i = 1; i < rows.length; i += 1) {
        if (byId(rows[i - 1] as WorkspaceSummary, rows[i] as WorkspaceSummary) > 0) {
          rows.sort(byId);
          break;
        }
      }
      this.#rows = rows;
      this.#sizeOrdered = rows.length;
    }
    return this.#rows;
  }

  #send(ws: WebSocket, client: Client): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_CLIENT_BACKLOG_BYTES) {
      ws.close(1013, 'cockpit page too slow');
      return;
    }
    const all = this.#allRows();
    client.order ??= viewOrder(all, client.view);
    this.#counts ??= fleetCounts(all);
    const { offset, limit, open } = client.view;
    const progress = this.#fleet.progress();
    const message: CockpitMessage = {
      type: 'window',
      at: Date.now(),
      store: this.#store,
      watch: this.#fleet.watchMode(),
      verified: progress.verified,
      total: all.length,
      shown: client.order.length,
      offset,
      rows: client.order.slice(offset, offset + limit).map((r) => this.#fleet.get(r.workspaceId) ?? r),
      counts: this.#counts.counts,
      broken: this.#counts.broken,
      open: open === null ? null : (this.#fleet.get(open) ?? null),
    };
    ws.send(JSON.stringify(message));
  }
}
