import dagre from '@dagrejs/dagre';
import { activeIds, type Chart } from './chart.js';
import { svg } from './dom.js';

const FONT_PX = 12;
const CHAR_PX = 6.9;
const LINE_PX = 15;

interface Placed {
  readonly width: number;
  readonly height: number;
  readonly nodes: Map<string, { x: number; y: number; width: number; height: number }>;
  readonly edges: Map<
    string,
    { points: { x: number; y: number }[]; x: number; y: number; width: number; height: number }
  >;
}

const layoutCache = new WeakMap<Chart, Placed>();

/** Lays the chart out once with dagre (layered, like Stately's editor), then reuses it every frame. */
function layout(chart: Chart): Placed {
  const cached = layoutCache.get(chart);
  if (cached !== undefined) return cached;
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 40, edgesep: 10, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of chart.nodes) {
    g.setNode(node.id, { width: Math.max(90, node.label.length * 9 + 36), height: 40 });
  }
  for (const edge of chart.edges) {
    const longest = Math.max(...edge.lines.map((l) => l.text.length + (l.kind === 'event' ? 0 : 2)));
    g.setEdge(
      { v: edge.source, w: edge.target, name: edge.key },
      { width: longest * CHAR_PX + 10, height: edge.lines.length * LINE_PX + 6, labelpos: 'c' },
    );
  }
  dagre.layout(g);
  const placed: Placed = {
    width: g.graph().width ?? 0,
    height: g.graph().height ?? 0,
    nodes: new Map(),
    edges: new Map(),
  };
  for (const node of chart.nodes) {
    const n = g.node(node.id);
    placed.nodes.set(node.id, { x: n.x, y: n.y, width: n.width, height: n.height });
  }
  for (const e of g.edges()) {
    const label = g.edge(e);
    placed.edges.set(e.name ?? '', {
      points: label.points ?? [],
      x: label.x ?? 0,
      y: label.y ?? 0,
      width: label.width ?? 0,
      height: label.height ?? 0,
    });
  }
  layoutCache.set(chart, placed);
  return placed;
}

function pathOf(points: readonly { x: number; y: number }[]): string {
  if (points.length === 0) return '';
  const [first, ...rest] = points as [{ x: number; y: number }, ...{ x: number; y: number }[]];
  if (rest.length === 0) return `M${first.x},${first.y}`;
  // Quadratic segments through the midpoints: smooth, and still passes near every dagre bend.
  let d = `M${first.x},${first.y}`;
  for (let i = 0; i < rest.length - 1; i += 1) {
    const p = rest[i]!;
    const q = rest[i + 1]!;
    d += ` Q${p.x},${p.y} ${(p.x + q.x) / 2},${(p.y + q.y) / 2}`;
  }
  const last = rest[rest.length - 1]!;
  return `${d} L${last.x},${last.y}`;
}

/** The chart as SVG: `value` highlighted, `taken` (`source|event`) animated. */
export function renderChart(chart: Chart, value: unknown, taken: string | null): SVGSVGElement {
  const placed = layout(chart);
  const active = new Set(activeIds(value as Parameters<typeof activeIds>[0]));
  const takenEdge = taken === null ? undefined : chart.edgeOf.get(taken);
  const root = svg('svg', {
    viewBox: `0 0 ${placed.width} ${placed.height}`,
    width: placed.width,
    height: placed.height,
    'data-testid': 'chart',
    role: 'img',
  });
  root.appendChild(
    svg(
      'defs',
      {},
      svg(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' }),
      ),
      svg(
        'marker',
        {
          id: 'arrow-last',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head last' }),
      ),
    ),
  );
  for (const edge of chart.edges) {
    const p = placed.edges.get(edge.key);
    if (p === undefined) continue;
    const isLast = edge.key === takenEdge;
    const g = svg(
      'g',
      { class: isLast ? 'edge last' : 'edge', 'data-edge': edge.key },
      svg('title', {}, edge.title || edge.events.join(', ')),
    );
    g.appendChild(
      svg('path', {
        d: pathOf(p.points),
        class: 'edge-line',
        'marker-end': isLast ? 'url(#arrow-last)' : 'url(#arrow)',
      }),
    );
    g.appendChild(
      svg('rect', {
        x: p.x - p.width / 2,
        y: p.y - p.height / 2,
        width: p.width,
        height: p.height,
        rx: 4,
        class: 'edge-label-bg',
      }),
    );
    const text = svg('text', {
      x: p.x - p.width / 2 + 5,
      y: p.y - p.height / 2 + 3 + FONT_PX,
      class: 'edge-label',
    });
    const indent = { event: 0, guard: 8, param: 20, literal: 8 } as const;
    edge.lines.forEach((line, i) => {
      text.appendChild(
        svg(
          'tspan',
          { x: p.x - p.width / 2 + 5 + indent[line.kind], dy: i === 0 ? 0 : LINE_PX, class: line.kind },
          line.text,
        ),
      );
    });
    g.appendChild(text);
    root.appendChild(g);
  }
  for (const node of chart.nodes) {
    const p = placed.nodes.get(node.id);
    if (p === undefined) continue;
    const classes = ['state', active.has(node.id) ? 'current' : '', node.final ? 'final' : '']
      .filter(Boolean)
      .join(' ');
    const g = svg('g', { class: classes, 'data-state': node.id });
    g.appendChild(
      svg('rect', { x: p.x - p.width / 2, y: p.y - p.height / 2, width: p.width, height: p.height, rx: 10 }),
    );
    if (node.final) {
      g.appendChild(
        svg('rect', {
          x: p.x - p.width / 2 + 4,
          y: p.y - p.height / 2 + 4,
          width: p.width - 8,
          height: p.height - 8,
          rx: 7,
          class: 'inner',
        }),
      );
    }
    g.appendChild(svg('text', { x: p.x, y: p.y + 5, 'text-anchor': 'middle' }, node.label));
    if (node.initial) {
      g.appendChild(svg('circle', { cx: p.x - p.width / 2 - 12, cy: p.y, r: 5, class: 'initial' }));
    }
    root.appendChild(g);
  }
  return root;
}
