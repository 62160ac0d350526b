import type { WorkspaceSummary } from '../../../src/cockpit/wire.js';
import { el } from '../dom.js';
import type { Column } from './columns.js';

const ROW_PX = 30;
/** Rows drawn above and below the visible ones, so a quick scroll shows no blank band. */
const OVERSCAN = 8;
/** Rows asked for around the visible ones: a scroll of a screen or two needs no new request. */
const AHEAD = 60;

/**
 * The fleet table, virtualized twice: only the rows in view (plus a few) are in the DOM, each absolutely
 * placed inside a spacer as tall as the whole list, and only a slice around them is on the page at all
 * (the server sends the slice asked for; `onNeed` asks for another when a scroll leaves it).
 */
export class VirtualRows {
  readonly #box: HTMLElement;
  readonly #spacer: HTMLElement;
  readonly #columns: readonly Column[];
  readonly #now: () => number;
  readonly #onPick: (workspaceId: string) => void;
  readonly #onNeed: (offset: number, limit: number) => void;
  #rows: readonly WorkspaceSummary[] = [];
  #offset = 0;
  #total = 0;
  #asked = -1;
  #selected: string | null = null;
  #frame = false;

  constructor(
    box: HTMLElement,
    spacer: HTMLElement,
    columns: readonly Column[],
    now: () => number,
    onPick: (workspaceId: string) => void,
    onNeed: (offset: number, limit: number) => void,
  ) {
    this.#box = box;
    this.#spacer = spacer;
    this.#columns = columns;
    this.#now = now;
    this.#onPick = onPick;
    this.#onNeed = onNeed;
    box.addEventListener('scroll', () => this.#schedule());
    window.addEventListener('resize', () => this.#schedule());
    box.addEventListener('click', (e) => {
      const id = (e.target as HTMLElement).closest('[data-ws]')?.getAttribute('data-ws');
      if (id !== null && id !== undefined) this.#onPick(id);
    });
  }

  /** The slice the server sent: `rows` start at `offset` of `total` rows in view. */
  setWindow(total: number, offset: number, rows: readonly WorkspaceSummary[]): void {
    this.#total = total;
    this.#offset = offset;
    this.#rows = rows;
    this.#asked = -1;
    this.#spacer.style.height = `${total * ROW_PX}px`;
    this.redraw();
  }

  /** Back to the top (a new filter or sort); returns the slice to ask for. */
  top(): { offset: number; limit: number } {
    this.#box.scrollTop = 0;
    return this.#wanted(0);
  }

  /** The slice around what is visible now. */
  visibleSlice(): { offset: number; limit: number } {
    return this.#wanted(this.#firstVisible());
  }

  select(id: string | null): void {
    this.#selected = id;
    this.redraw();
  }

  redraw(): void {
    const top = this.#box.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_PX) - OVERSCAN);
    const last = Math.min(this.#total, Math.ceil((top + this.#box.clientHeight) / ROW_PX) + OVERSCAN);
    const now = this.#now();
    const drawn: HTMLElement[] = [];
    let missing = false;
    for (let i = first; i < last; i += 1) {
      const r = this.#rows[i - this.#offset];
      if (r === undefined) {
        missing = true;
        drawn.push(el('div', { class: 'fleet-row pending', style: `top:${i * ROW_PX}px` }, '…'));
        continue;
      }
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
    if (missing) {
      const want = this.#wanted(this.#firstVisible());
      if (want.offset !== this.#asked) {
        this.#asked = want.offset;
        this.#onNeed(want.offset, want.limit);
      }
    }
  }

  #firstVisible(): number {
    return Math.floor(this.#box.scrollTop / ROW_PX);
  }

  #wanted(first: number): { offset: number; limit: number } {
    const visible = Math.ceil(this.#box.clientHeight / ROW_PX) + 1;
    return { offset: Math.max(0, first - AHEAD), limit: Math.min(500, visible + 2 * AHEAD) };
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
