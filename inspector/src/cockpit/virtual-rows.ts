import type { WorkspaceSummary } from '../../../src/cockpit/wire.js';
import { el } from '../dom.js';
import type { Column } from './columns.js';

const ROW_PX = 30;
/** Rows drawn above and below the visible ones, so a quick scroll shows no blank band. */
const OVERSCAN = 8;

/**
 * The fleet table, virtualized: however many workspaces, only the rows in view (plus a few) are in the
 * DOM, each absolutely placed inside a spacer as tall as the whole list.
 */
export class VirtualRows {
  readonly #box: HTMLElement;
  readonly #spacer: HTMLElement;
  readonly #columns: readonly Column[];
  readonly #now: () => number;
  readonly #onPick: (workspaceId: string) => void;
  #rows: readonly WorkspaceSummary[] = [];
  #selected: string | null = null;
  #frame = false;

  constructor(
    box: HTMLElement,
    spacer: HTMLElement,
    columns: readonly Column[],
    now: () => number,
    onPick: (workspaceId: string) => void,
  ) {
    this.#box = box;
    this.#spacer = spacer;
    this.#columns = columns;
    this.#now = now;
    this.#onPick = onPick;
    box.addEventListener('scroll', () => this.#schedule());
    window.addEventListener('resize', () => this.#schedule());
    box.addEventListener('click', (e) => {
      const id = (e.target as HTMLElement).closest('[data-ws]')?.getAttribute('data-ws');
      if (id !== null && id !== undefined) this.#onPick(id);
    });
  }

  setRows(rows: readonly WorkspaceSummary[]): void {
    this.#rows = rows;
    this.#spacer.style.height = `${rows.length * ROW_PX}px`;
    this.redraw();
  }

  select(id: string | null): void {
    this.#selected = id;
    this.redraw();
  }

  redraw(): void {
    const top = this.#box.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_PX) - OVERSCAN);
    const last = Math.min(this.#rows.length, Math.ceil((top + this.#box.clientHeight) / ROW_PX) + OVERSCAN);
    const now = this.#now();
    const drawn: HTMLElement[] = [];
    for (let i = first; i < last; i += 1) {
      const r = this.#rows[i]!;
      const classes = ['fleet-row', `state-${r.state ?? 'none'}`];
      if (r.verifies === false) classes.push('broken');
      if (r.degradationReasons.length > 0) classes.push('degraded');
      if (r.workspaceId === this.#selected) classes.push('selected');
      drawn.push(
        el(
          'div',
          {
            class: classes.join(' '),
            role: 'row',
            'data-testid': 'ws-row',
            'data-ws': r.workspaceId,
            'data-state': r.state ?? '',
            style: `top:${i * ROW_PX}px`,
            title: r.divergence === null ? r.workspaceId : `${r.workspaceId}: ${r.divergence.detail}`,
          },
          ...this.#columns.map((c) =>
            el('span', { class: `cell ${c.key}`, 'data-col': c.key }, c.cell(r, now)),
          ),
        ),
      );
    }
    this.#spacer.replaceChildren(...drawn);
  }

  #schedule(): void {
    if (this.#frame) return;
    this.#frame = true;
    requestAnimationFrame(() => {
      this.#frame = false;
      this.redraw();
    });
  }
}
