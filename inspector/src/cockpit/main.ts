import type {
  CockpitMessage,
  CockpitViewRequest,
  CockpitWatchMode,
  SortKey,
  WorkspaceSummary,
} from '../../../src/cockpit/wire.js';
import { byId, el, setText } from '../dom.js';
import { COLUMNS, PRIMARY_STATES } from './columns.js';
import { DetailPanel } from './detail.js';
import { VirtualRows } from './virtual-rows.js';

const token = new URLSearchParams(location.search).get('token') ?? '';
/** Server clock minus ours: "time in state" is measured on the store's side of any skew. */
let skew = 0;
let view: CockpitViewRequest = {
  type: 'view',
  sort: 'workspace',
  ascending: true,
  filter: null,
  search: '',
  offset: 0,
  limit: 100,
  open: null,
};
let socket: WebSocket | null = null;
/** The open drill-down's row as last shown: a change to it reloads the drill-down. */
let openSeen = '';
const n = (x: number) => x.toLocaleString('en-US');

const now = () => Date.now() + skew;
const detail = new DetailPanel(
  token,
  () => {
    list.select(null);
    ask({ open: null });
  },
  now,
);
const list = new VirtualRows(
  byId('rows'),
  byId('spacer'),
  COLUMNS,
  now,
  (id) => {
    list.select(id);
    openSeen = '';
    ask({ open: id });
    detail.open(id);
  },
  (offset, limit) => ask({ offset, limit }),
);

/** Sends the view with `change` applied: the server answers with the slice asked for. */
function ask(change: Partial<CockpitViewRequest>): void {
  view = { ...view, ...change };
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(view));
}

/** A new filter, search or sort: back to the top of the list. */
function reorder(change: Partial<CockpitViewRequest>): void {
  ask({ ...change, ...list.top() });
}

function renderHead(): void {
  byId('table-head').replaceChildren(
    ...COLUMNS.map((c) =>
      el(
        'button',
        {
          type: 'button',
          class: `cell ${c.key}${c.key === view.sort ? ' sorted' : ''}`,
          'data-sort': c.key,
          title: c.title,
          'aria-sort': c.key === view.sort ? (view.ascending ? 'ascending' : 'descending') : 'none',
        },
        c.title,
        c.key === view.sort ? (view.ascending ? ' ▲' : ' ▼') : '',
      ),
    ),
  );
}

function renderFilters(m: CockpitMessage): void {
  const button = (key: string | null, label: string, count: number) =>
    el(
      'button',
      {
        type: 'button',
        class: `filter${view.filter === key ? ' on' : ''}${key === 'broken' && count > 0 ? ' bad' : ''}`,
        'data-testid': `filter-${key ?? 'all'}`,
        'data-filter': key ?? '',
        'aria-pressed': String(view.filter === key),
      },
      `${label} ${n(count)}`,
    );
  byId('filters').replaceChildren(
    button(null, 'all', m.total),
    ...PRIMARY_STATES.map((s) => button(s, s, m.counts[s] ?? 0)),
    button('broken', 'not verifying', m.broken),
  );
}

const watchText = (w: CockpitWatchMode) =>
  w.kind === 'push' ? `push: ${w.detail}` : `poll every ${n(w.intervalMs ?? 0)} ms: ${w.detail}`;

function show(m: CockpitMessage): void {
  skew = m.at - Date.now();
  setText(byId('store'), m.store);
  byId('watch-mode').textContent = watchText(m.watch);
  byId('verify-progress').textContent =
    m.verified >= m.total
      ? `verified ${n(m.total)} of ${n(m.total)}`
      : `verified ${n(m.verified)} of ${n(m.total)}`;
  byId('shown').textContent = `${n(m.shown)} of ${n(m.total)} workspaces`;
  renderFilters(m);
  list.setWindow(m.shown, m.offset, m.rows);
  const open: WorkspaceSummary | null = m.open;
  if (open !== null && detail.current === open.workspaceId) {
    const seen = `${open.chainLength}|${String(open.verifies)}|${open.state ?? ''}`;
    if (seen !== openSeen) {
      if (openSeen !== '') detail.refresh();
      openSeen = seen;
    }
  }
}

byId('table-head').addEventListener('click', (e) => {
  const key = (e.target as HTMLElement).closest('button')?.getAttribute('data-sort') as SortKey | null;
  if (key === null || key === undefined) return;
  reorder(key === view.sort ? { ascending: !view.ascending } : { sort: key, ascending: true });
  renderHead();
});
byId('filters').addEventListener('click', (e) => {
  const b = (e.target as HTMLElement).closest('button');
  if (b === null) return;
  const key = b.getAttribute('data-filter');
  reorder({ filter: key === '' || key === null ? null : key });
});
byId<HTMLInputElement>('search').addEventListener('input', (e) => {
  reorder({ search: (e.target as HTMLInputElement).value });
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') detail.close();
});

function connect(): void {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${proto}//${location.host}/ws?token=${encodeURIComponent(token)}`);
  socket = ws;
  byId('connection').textContent = 'connecting…';
  ws.addEventListener('open', () => {
    byId('connection').textContent = 'live';
    ws.send(JSON.stringify({ ...view, ...list.visibleSlice() }));
  });
  ws.addEventListener('message', (e: MessageEvent<string>) => show(JSON.parse(e.data) as CockpitMessage));
  ws.addEventListener('close', () => {
    byId('connection').textContent = 'disconnected (the cockpit stopped)';
  });
}

// "time in state" moves on its own: redraw the visible rows every second.
setInterval(() => list.redraw(), 1000);
renderHead();
connect();
