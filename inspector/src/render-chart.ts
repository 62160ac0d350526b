import { activeIds, type Chart, type ChartEdge } from './chart.js';
import { el, svg } from './dom.js';
import { layoutChart, type Placed } from './layout.js';

const LINE_PX = 15;
const PAD_X = 5;
const PAD_Y = 4;
const NODE_HEIGHT = 40;
const INDENT = { event: 0, guard: 8, literal: 8 } as const;

/** What to highlight: the active state(s) from a snapshot value, and the edge taken last (its key). */
export interface ChartFocus {
  readonly value: unknown;
  /** `source|target` of the last transition's edge, or null. */
  readonly edge: string | null;
}

function labelText(edge: ChartEdge, x: number, y: number): SVGTextElement {
  const text = svg('text', { x, y, class: 'edge-label', 'data-label': edge.key });
  edge.lines.forEach((line, i) => {
    text.appendChild(
      svg('tspan', { x: x + INDENT[line.kind], dy: i === 0 ? 0 : LINE_PX, class: line.kind }, line.text),
    );
  });
  return text;
}

/*
 * Labels and state names are measured as the page will draw them (same classes, same font), in a hidden
 * SVG, so the boxes ELK keeps clear are the boxes the text really takes.
 */
function measure(chart: Chart): { nodes: Map<string, number>; labels: Map<string, DOMRect> } {
  const probe = svg('svg', { width: 0, height: 0, class: 'measure', 'aria-hidden': 'true' });
  document.body.appendChild(probe);
  try {
    const labels = new Map<string, DOMRect>();
    for (const edge of chart.edges) {
      const text = labelText(edge, 0, 0);
      probe.appendChild(text);
      labels.set(edge.key, text.getBBox());
    }
    const nodes = new Map<string, number>();
    for (const node of chart.nodes) {
      const g = svg('g', { class: 'state' }, svg('text', {}, node.label));
      probe.appendChild(g);
      nodes.set(node.id, g.getBBox().width);
    }
    return { nodes, labels };
  } finally {
    probe.remove();
  }
}

const layouts = new WeakMap<Chart, Promise<{ placed: Placed; labels: Map<string, DOMRect> }>>();

function layoutOf(chart: Chart) {
  let pending = layouts.get(chart);
  if (pending === undefined) {
    const { nodes, labels } = measure(chart);
    pending = layoutChart(chart, {
      node: (id) => ({ width: Math.max(96, (nodes.get(id) ?? 60) + 44), height: NODE_HEIGHT }),
      label: (key) => {
        const box = labels.get(key);
        return {
          width: Math.ceil((box?.width ?? 0) + 2 * PAD_X),
          height: Math.ceil((box?.height ?? 0) + 2 * PAD_Y),
        };
      },
    }).then((placed) => ({ placed, labels }));
    layouts.set(chart, pending);
  }
  return pending;
}

function pathOf(points: readonly { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
}

/**
 * Draws a chart into a container, laid out once per chart with ELK (asynchronously) and redrawn on each
 * `show`. The same component serves the inspector and the cockpit's drill-down.
 */
export class ChartView {
  readonly #container: HTMLElement;
  #chart: Chart | null = null;
  #focus: ChartFocus = { value: null, edge: null };

  constructor(container: HTMLElement) {
    this.#container = container;
  }

  show(chart: Chart, focus: ChartFocus): void {
    this.#chart = chart;
    this.#focus = focus;
    void layoutOf(chart).then(
      ({ placed, labels }) => {
        // A later show for another chart wins; this one is stale.
        if (this.#chart !== chart) return;
        this.#container.replaceChildren(draw(chart, placed, labels, this.#focus));
      },
      (err: unknown) => {
        this.#container.replaceChildren(el('p', { class: 'empty' }, `chart layout failed: ${String(err)}`));
      },
    );
  }

  clear(message: string): void {
    this.#chart = null;
    this.#container.replaceChildren(el('p', { class: 'empty' }, message));
  }
}

function draw(chart: Chart, placed: Placed, labels: Map<string, DOMRect>, focus: ChartFocus): SVGSVGElement {
  const active = new Set(activeIds(focus.value as Parameters<typeof activeIds>[0]));
  const root = svg('svg', {
    viewBox: `0 0 ${placed.width} ${placed.height}`,
    width: placed.width,
    height: placed.height,
    'data-testid': 'chart',
    role: 'img',
  });
  const marker = (id: string, cls: string) =>
    svg(
      'marker',
      {
        id,
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: 'auto-start-reverse',
      },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', class: cls }),
    );
  root.appendChild(svg('defs', {}, marker('arrow', 'arrow-head'), marker('arrow-last', 'arrow-head last')));

  // Lines first, then states, then labels on top: nothing hides a label.
  const lines = svg('g', { class: 'edges' });
  const texts = svg('g', { class: 'labels' });
  for (const edge of chart.edges) {
    const p = placed.edges.get(edge.key);
    if (p === undefined) continue;
    const isLast = edge.key === focus.edge;
    const cls = isLast ? 'edge last' : 'edge';
    lines.appendChild(
      svg(
        'g',
        { class: cls, 'data-edge': edge.key },
        svg('title', {}, edge.title || edge.events.join(', ')),
        svg('path', {
          d: pathOf(p.points),
          class: 'edge-line',
          'marker-end': isLast ? 'url(#arrow-last)' : 'url(#arrow)',
        }),
      ),
    );
    if (p.label === null) continue;
    const b = p.label;
    const measured = labels.get(edge.key);
    const g = svg('g', { class: `${cls} label`, 'data-edge-label': edge.key });
    g.appendChild(svg('title', {}, edge.title || edge.events.join(', ')));
    g.appendChild(
      svg('rect', { x: b.x, y: b.y, width: b.width, height: b.height, rx: 4, class: 'edge-label-bg' }),
    );
    // The text's own box sits PAD inside the label box ELK placed (measured offsets: baseline vs top).
    g.appendChild(labelText(edge, b.x + PAD_X - (measured?.x ?? 0), b.y + PAD_Y - (measured?.y ?? 0)));
    texts.appendChild(g);
  }
  root.appendChild(lines);
  for (const node of chart.nodes) {
    const p = placed.nodes.get(node.id);
    if (p === undefined) continue;
    const classes = ['state', active.has(node.id) ? 'current' : '', node.final ? 'final' : '']
      .filter(Boolean)
      .join(' ');
    const g = svg('g', { class: classes, 'data-state': node.id });
    g.appendChild(svg('rect', { x: p.x, y: p.y, width: p.width, height: p.height, rx: 10 }));
    if (node.final) {
      g.appendChild(
        svg('rect', {
          x: p.x + 4,
          y: p.y + 4,
          width: p.width - 8,
          height: p.height - 8,
          rx: 7,
          class: 'inner',
        }),
      );
    }
    g.appendChild(
      svg('text', { x: p.x + p.width / 2, y: p.y + p.height / 2 + 5, 'text-anchor': 'middle' }, node.label),
    );
    if (node.initial) {
      // Above the node's corner: the sides carry self-loops, the bottom the outgoing edges.
      g.appendChild(svg('circle', { cx: p.x + 6, cy: p.y - 10, r: 4, class: 'initial' }));
    }
    root.appendChild(g);
  }
  root.appendChild(texts);
  return root;
}
