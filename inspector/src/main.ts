import type { InspectorMessage, InspectorRecord } from '../../src/inspect/records.js';
import { byId, el, setText } from './dom.js';
import { applyRecord, emitView, emptyModel, type Model, queuedCount, type Row } from './model.js';
import { ChartView } from './render-chart.js';
import { parseTrace } from './trace.js';

let model: Model = emptyModel();
/** The frame shown; null follows the newest (live). */
let selected: number | null = null;
let source: 'live' | 'trace' = 'live';
let socket: WebSocket | null = null;
let scheduled = false;
const chartView = new ChartView(byId('chart'));

const token = new URLSearchParams(location.search).get('token');

function ingest(records: readonly InspectorRecord[]): void {
  for (const record of records) applyRecord(model, record);
  schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    render();
  });
}

function shownFrame(): number {
  const last = model.frames.length - 1;
  return selected === null ? last : Math.min(selected, last);
}

function render(): void {
  const frameIndex = shownFrame();
  const frame = model.frames[frameIndex];
  byId('source').textContent = source === 'live' ? 'live' : 'trace file';
  byId('position').textContent =
    model.frames.length === 0
      ? 'no snapshot yet'
      : `snapshot ${frameIndex + 1} of ${model.frames.length}${selected === null ? ' (live)' : ''}`;
  byId('dropped').textContent =
    model.dropped > 0 ? `${model.dropped} older records dropped by the recorder` : '';

  if (model.chart !== null) {
    const taken = frame?.taken ?? null;
    chartView.show(model.chart, {
      value: frame?.value ?? null,
      edge: taken === null ? null : (model.chart.edgeOf.get(taken) ?? null),
    });
    byId('chart-notes').replaceChildren(...model.chart.global.map((g) => el('li', {}, g)));
    setText(byId('machine-id'), model.chart.id);
  } else {
    chartView.clear('waiting for the actor…');
  }

  const c = frame?.context;
  setText(byId('current-state'), c?.primaryState ?? '–');
  // opstate's fields only for opstate's machine; any other actor's context is shown as it is.
  const opstate = c === undefined || c.opstate;
  byId('opstate-panel').hidden = !opstate;
  const contextJson = byId('context-json');
  contextJson.hidden = opstate;
  setText(contextJson, opstate ? '' : JSON.stringify(c.raw, null, 2));
  setText(byId('claim'), c?.claimPermission ?? '–');
  byId('reasons').replaceChildren(
    ...(c === undefined || c.degradationReasons.length === 0
      ? [el('span', { class: 'none' }, 'none')]
      : c.degradationReasons.map((r) => el('span', { class: 'reason' }, r))),
  );
  const degraded = byId('degraded');
  degraded.hidden = c === undefined || c.degradationReasons.length === 0;
  byId('transitions').textContent = String(c?.transitionCount ?? '–');
  byId('failures').textContent = String(c?.emitFailures ?? '–');
  renderEmitHealth(c?.lastEmitFailure ?? null);
  const queued = queuedCount(model);
  const queuedBox = byId('queued');
  queuedBox.hidden = queued === 0;
  queuedBox.textContent = `${queued} emit${queued === 1 ? '' : 's'} queued (store slow or down)`;

  const list = byId('timeline');
  list.replaceChildren(...model.rows.map((r) => rowElement(r, frameIndex)));
  if (selected === null) list.lastElementChild?.scrollIntoView({ block: 'nearest' });
  else list.querySelector('.selected')?.scrollIntoView({ block: 'nearest' });
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/**
 * The emit failure shows only while it stands: once a later append lands, the panel says the store
 * recovered, and when, instead of keeping the old failure as if it were current.
 */
function renderEmitHealth(contextFailure: string | null): void {
  const box = byId('last-failure');
  const h = model.emitHealth;
  const message = h.message ?? contextFailure;
  if (message === null) {
    box.replaceChildren();
    box.className = '';
    return;
  }
  if (h.recoveredAt !== null) {
    box.className = 'emit-recovered';
    box.replaceChildren(
      `store recovered at ${clock(h.recoveredAt)} UTC`,
      el(
        'span',
        { class: 'muted' },
        ` (last failure${h.failedAt !== null ? ` at ${clock(h.failedAt)}` : ''}: ${message})`,
      ),
    );
    return;
  }
  box.className = 'emit-error-text';
  box.replaceChildren(
    `emit failing${h.failedAt !== null ? ` (latest at ${clock(h.failedAt)} UTC)` : ''}: ${message}`,
  );
}

function rowElement(r: Row, frameIndex: number): HTMLLIElement {
  const emit = emitView(model, r.n);
  const classes = [
    'row',
    r.kind,
    emit.status === 'failed' ? 'failed' : '',
    emit.status === 'queued' ? 'queued' : '',
  ];
  if (r.frame === frameIndex) classes.push('selected');
  if (r.frame > frameIndex) classes.push('future');
  const time = Number.isFinite(r.createdAt) ? new Date(r.createdAt).toISOString().slice(11, 23) : '';
  const li = el(
    'li',
    {
      class: classes.filter(Boolean).join(' '),
      'data-testid': 'row',
      'data-frame': String(r.frame),
      'data-emit': emit.status,
      tabindex: '0',
    },
    el(
      'div',
      { class: 'line' },
      el('span', { class: 'time' }, time),
      el('span', { class: 'event' }, r.eventType),
      r.from !== null
        ? el('span', { class: 'move' }, `${r.from} → ${r.to}`)
        : el('span', { class: 'move' }, r.to),
      r.n !== null ? el('span', { class: 'n' }, `#${r.n}`) : null,
    ),
    r.trigger !== null
      ? el(
          'div',
          { class: 'trigger', 'data-testid': 'trigger' },
          el('span', { class: 'label' }, 'trigger '),
          el('q', {}, r.trigger),
        )
      : null,
    r.guards.length > 0 ? el('div', { class: 'guards' }, `guard ${r.guards.join(', ')}`) : null,
    r.kind === 'transition'
      ? el(
          'div',
          { class: 'literal' },
          r.literal !== null ? `literal ${r.literal}` : 'no per-trigger literal',
        )
      : null,
    r.detail !== null ? el('div', { class: 'detail' }, r.detail) : null,
    emitElement(emit),
  );
  li.addEventListener('click', () => select(r.frame));
  return li;
}

function emitElement(emit: ReturnType<typeof emitView>): HTMLElement | null {
  switch (emit.status) {
    case 'appended':
      return el(
        'ul',
        { class: 'chain' },
        ...emit.appended.map((a) =>
          el(
            'li',
            {},
            el('span', { class: 'seq' }, `seq ${a.seq}`),
            ` ${a.eventType} `,
            el('code', {}, `${a.hashPrefix}…`),
            a.duplicate ? ' (duplicate)' : '',
          ),
        ),
      );
    case 'failed':
      return el('div', { class: 'emit-error', 'data-testid': 'emit-error' }, `emit failed: ${emit.error}`);
    case 'queued':
      return el('div', { class: 'emit-queued' }, 'emit queued: not appended yet');
    case 'none':
      return null;
  }
}

function select(frame: number | null): void {
  selected = frame;
  schedule();
}

function step(delta: number): void {
  const from = shownFrame();
  const next = Math.max(0, Math.min(model.frames.length - 1, from + delta));
  selected = next;
  schedule();
}

function connect(): void {
  if (token === null) {
    byId('connection').textContent = 'no live source (open the URL startInspector printed, or load a trace)';
    return;
  }
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${proto}//${location.host}/ws?token=${encodeURIComponent(token)}`);
  socket = ws;
  byId('connection').textContent = 'connecting…';
  ws.addEventListener('open', () => {
    byId('connection').textContent = 'connected';
  });
  ws.addEventListener('message', (e: MessageEvent<string>) => {
    if (source !== 'live') return;
    const message = JSON.parse(e.data) as InspectorMessage;
    if (message.type === 'replay') {
      model = emptyModel();
      model.dropped = message.dropped;
    }
    ingest(message.records);
  });
  ws.addEventListener('close', () => {
    byId('connection').textContent = 'disconnected (the agent stopped or the inspector closed)';
    if (socket === ws) socket = null;
  });
}

async function loadTrace(file: File): Promise<void> {
  const parsed = parseTrace(await file.text());
  source = 'trace';
  socket?.close();
  model = emptyModel();
  selected = null;
  byId('trace-status').textContent =
    `${file.name}: ${parsed.records.length} records` +
    (parsed.badLines.length > 0 ? `, ${parsed.badLines.length} bad lines skipped` : '');
  ingest(parsed.records);
}

// Fit-to-width by default; a click shows the chart at full size (scrollable).
byId('chart').addEventListener('click', () => byId('chart').classList.toggle('fit'));
byId<HTMLButtonElement>('step-back').addEventListener('click', () => step(-1));
byId<HTMLButtonElement>('step-forward').addEventListener('click', () => step(1));
byId<HTMLButtonElement>('live').addEventListener('click', () => select(null));
byId<HTMLInputElement>('trace-input').addEventListener('change', (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file !== undefined) void loadTrace(file);
});
document.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement) return;
  if (e.key === 'ArrowLeft') step(-1);
  else if (e.key === 'ArrowRight') step(1);
  else if (e.key === 'End') select(null);
});
const download = byId<HTMLAnchorElement>('download');
if (token !== null) download.href = `/trace.jsonl?token=${encodeURIComponent(token)}`;
else download.hidden = true;

connect();
render();
