import type { WorkspaceDetailResponse } from '../../../src/cockpit/wire.js';
import { parseChart, type Chart } from '../chart.js';
import { byId, el, setText } from '../dom.js';
import { ChartView } from '../render-chart.js';
import { duration } from './columns.js';

const clock = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;

/**
 * The drill-down: one workspace's chart (the inspector's own component) at its current state with the
 * last transition lit, its transitions and chain events as the chain records them, and a full verify.
 */
export class DetailPanel {
  readonly #token: string;
  readonly #onClose: () => void;
  readonly #now: () => number;
  readonly #chart = new ChartView(byId('detail-chart'));
  #charts = new Map<string, Chart | null>();
  #current: string | null = null;
  #loading = false;
  #again = false;

  /** `now` is the server's clock as the page tracks it, so time in state agrees with the table. */
  constructor(token: string, onClose: () => void, now: () => number) {
    this.#token = token;
    this.#onClose = onClose;
    this.#now = now;
    byId('detail-close').addEventListener('click', () => this.close());
  }

  get current(): string | null {
    return this.#current;
  }

  open(workspaceId: string): void {
    this.#current = workspaceId;
    byId('detail').hidden = false;
    setText(byId('detail-title'), workspaceId);
    this.refresh();
  }

  close(): void {
    this.#current = null;
    byId('detail').hidden = true;
    this.#onClose();
  }

  /** Loads the open workspace again; calls that arrive while one is loading coalesce into one more. */
  refresh(): void {
    if (this.#current === null) return;
    if (this.#loading) {
      this.#again = true;
      return;
    }
    this.#loading = true;
    const id = this.#current;
    void this.#load(id).finally(() => {
      this.#loading = false;
      if (this.#again) {
        this.#again = false;
        this.refresh();
      }
    });
  }

  async #load(id: string): Promise<void> {
    let data: WorkspaceDetailResponse;
    try {
      const res = await fetch(
        `/api/workspaces/${encodeURIComponent(id)}?token=${encodeURIComponent(this.#token)}`,
      );
      if (!res.ok) throw new Error(`${res.status} ${(await res.text()).trim()}`);
      data = (await res.json()) as WorkspaceDetailResponse;
    } catch (err) {
      setText(byId('detail-verify'), `could not load ${id}: ${String(err)}`);
      return;
    }
    if (this.#current !== id) return;
    this.#render(data);
  }

  #render(d: WorkspaceDetailResponse): void {
    const s = d.summary;
    const since = s.stateSince === null ? '' : ` for ${duration(this.#now() - Date.parse(s.stateSince))}`;
    byId('detail-summary').replaceChildren(
      el(
        'div',
        {},
        el('span', { class: 'k' }, 'primary state'),
        el('strong', { 'data-testid': 'detail-state' }, s.state ?? '–'),
        since,
      ),
      el('div', {}, el('span', { class: 'k' }, 'claim permission'), s.claimPermission ?? '–'),
      el(
        'div',
        {},
        el('span', { class: 'k' }, 'degradation reasons'),
        ...(s.degradationReasons.length === 0
          ? [el('span', { class: 'none' }, 'none')]
          : s.degradationReasons.map((r) => el('span', { class: 'reason' }, r))),
      ),
      el(
        'div',
        {},
        el('span', { class: 'k' }, 'transitions'),
        String(s.transitions),
        el('span', { class: 'k' }, ' chain'),
        `${s.chainLength} events`,
      ),
    );
    const v = d.verify;
    const verify = byId('detail-verify');
    verify.className = v.ok ? 'verify ok' : 'verify bad';
    setText(
      verify,
      v.ok
        ? `chain verifies: ${v.length} events, head ${v.headHash.slice(0, 16)}…`
        : `chain does NOT verify: seq ${v.firstDivergence.seq} ${v.firstDivergence.kind}: ${v.firstDivergence.detail}`,
    );

    let chart = this.#charts.get(d.definition);
    if (chart === undefined) {
      chart = parseChart(d.definition);
      this.#charts = new Map([[d.definition, chart]]);
    }
    if (chart === null) this.#chart.clear('no chart');
    else this.#chart.show(chart, { value: s.state, edge: s.lastEdge });

    const more = d.truncated
      ? [el('li', { class: 'muted' }, 'older events: opstate events --workspace …')]
      : [];
    byId('detail-timeline').replaceChildren(
      ...[...d.timeline]
        .reverse()
        .map((t) =>
          el(
            'li',
            { class: 'row transition', 'data-testid': 'detail-transition' },
            t.restart !== undefined
              ? el('div', { class: 'restart', 'data-testid': 'restart' }, t.restart)
              : null,
            el(
              'div',
              { class: 'line' },
              el('span', { class: 'time' }, clock(t.at)),
              el('span', { class: 'move' }, `${t.from} → ${t.to}`),
              el('span', { class: 'n' }, `seq ${t.seq}`),
            ),
            el(
              'div',
              { class: 'trigger' },
              el('span', { class: 'label' }, 'trigger '),
              el('q', {}, t.trigger),
            ),
            el(
              'div',
              { class: 'literal' },
              t.literal === null ? 'no per-trigger literal' : `literal ${t.literal}`,
            ),
          ),
        ),
      ...more,
    );
    byId('detail-events').replaceChildren(
      ...[...d.events]
        .reverse()
        .map((e) =>
          el(
            'li',
            { 'data-testid': 'detail-event' },
            el('span', { class: 'seq' }, `seq ${e.seq}`),
            ` ${e.eventType} `,
            el('code', {}, `${e.hashPrefix}…`),
            el('span', { class: 'time' }, ` ${clock(e.occurredAt)}`),
          ),
        ),
      ...more,
    );
  }
}
