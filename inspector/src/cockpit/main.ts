import type { CockpitMessage, WorkspaceSummary } from '../../../src/cockpit/wire.js';
import { byId, el } from '../dom.js';
import { COLUMNS, PRIMARY_STATES } from './columns.js';
import { DetailPanel } from './detail.js';
import { VirtualRows } from './virtual-rows.js';

const token = new URLSearchParams(location.search).get('token') ?? '';
const rows = new Map<string, WorkspaceSummary>();
/** Server clock minus ours: "time in state" is measured on the store's side of any skew. */
let skew = 0;
let sortKey = 'workspace';
let ascending = true;
/** A primary state, `broken` (not verifying), or null for all. */
let stateFilter: string | null = null;
let search = '';
let view: WorkspaceSummary[] = [];
let dirty = false;

const now = () => Date.now() + skew;
const detail = new DetailPanel(token, () => list.select(null), now);
const list = new VirtualRows(byId('rows'), byId('spacer'), COLUMNS, now, (id) => {
  list.select(id);
  detail.open(id);
});

function rebuildView(): void {
  const column = COLUMNS.find((c) => c.key === sortKey) ?? COLUMNS[0]!;
  const needle = search.toLowerCase();
  view = [...rows.values()].filter(
    (r) =>
      (stateFilter === null || (stateFilter === 'broken' ? r.verifies === false : r.state === stateFilter)) &&
      (needle === '' || r.workspaceId.toLowerCase().includes(needle)),
  );
  view.sort((a, b) => {
    const c = column.compare(a, b) || a.workspaceId.localeCompare(b.workspaceId);
    return ascending ? c : -c;
  });
  list.setRows(view);
  byId('shown').textContent = `${view.length} of ${rows.size} workspaces`;
  renderFilters();
  dirty = false;
}

function schedule(): void {
  if (dirty) return;
  dirty = true;
  requestAnimationFrame(rebuildView);
}

function renderHead(): void {
  byId('table-head').replaceChildren(
    ...COLUMNS.map((c) =>
      el(
        'button',
        {
          type: 'button',
          class: `cell ${c.key}${c.key === sortKey ? ' sorted' : ''}`,
          'data-sort': c.key,
          'aria-sort': c.key === sortKey ? (ascending ? 'ascending' : 'descending') : 'none',
        },
        c.title,
        c.key === sortKey ? (ascending ? ' ▲' : ' ▼') : '',
      ),
    ),
  );
}

function renderFilters(): void {
  const counts = new Map<string, number>();
  let broken = 0;
  for (const r of rows.values()) {
    counts.set(r.state ?? '–', (counts.get(r.state ?? '–') ?? 0) + 1);
    if (r.verifies === false) broken += 1;
  }
  const button = (key: string | null, label: string, count: number) =>
    el(
      'button',
      {
        type: 'button',
        class: `filter${stateFilter === key ? ' on' : ''}${key === 'broken' && count > 0 ? ' bad' : ''}`,
        'data-testid': `filter-${key ?? 'all'}`,
        'data-filter': key ?? '',
        'aria-pressed': String(stateFilter === key),
      },
      `${label} ${count}`,
    );
  byId('filters').replaceChildren(
    button(null, 'all', rows.size),
    ...PRIMARY_STATES.map((s) => button(s, s, counts.get(s) ?? 0)),
    button('broken', 'not verifying', broken),
  );
}

byId('table-head').addEventListener('click', (e) => {
  const key = (e.target as HTMLElement).closest('button')?.getAttribute('data-sort');
  if (key === null || key === undefined) return;
  if (key === sortKey) ascending = !ascending;
  else {
    sortKey = key;
    ascending = true;
  }
  renderHead();
  schedule();
});
byId('filters').addEventListener('click', (e) => {
  const b = (e.target as HTMLElement).closest('button');
  if (b === null) return;
  const key = b.getAttribute('data-filter');
  stateFilter = key === '' || key === null ? null : key;
  schedule();
});
byId<HTMLInputElement>('search').addEventListener('input', (e) => {
  search = (e.target as HTMLInputElement).value;
  schedule();
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') detail.close();
});

function connect(): void {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${proto}//${location.host}/ws?token=${encodeURIComponent(token)}`);
  byId('connection').textContent = 'connecting…';
  ws.addEventListener('open', () => {
    byId('connection').textContent = 'live';
  });
  ws.addEventListener('message', (e: MessageEvent<string>) => {
    const message = JSON.parse(e.data) as CockpitMessage;
    skew = message.at - Date.now();
    if (message.full) {
      rows.clear();
      if (message.store !== undefined) {
        byId('store').textContent = `${message.store}${message.feed ? ` · ${message.feed}` : ''}`;
      }
    }
    for (const row of message.rows) rows.set(row.workspaceId, row);
    const open = detail.current;
    if (open !== null && message.rows.some((r) => r.workspaceId === open)) detail.refresh();
    schedule();
  });
  ws.addEventListener('close', () => {
    byId('connection').textContent = 'disconnected (the cockpit stopped)';
  });
}

// "time in state" moves on its own: redraw the visible rows every second.
setInterval(() => list.redraw(), 1000);
renderHead();
connect();
