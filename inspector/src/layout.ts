import ElkBundle from 'elkjs/lib/elk.bundled.js';
import type { ELK, ELKConstructorArguments, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { Chart } from './chart.js';

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Where everything goes: node boxes, each edge's polyline and its label's box (top-left corners). */
export interface Placed {
  readonly width: number;
  readonly height: number;
  readonly nodes: ReadonlyMap<string, Box>;
  readonly edges: ReadonlyMap<string, { readonly points: readonly Point[]; readonly label: Box | null }>;
}

/** Sizes the caller measured: in the page, from the rendered text itself, so ELK plans for real boxes. */
export interface Sizes {
  node(id: string): { width: number; height: number };
  label(edgeKey: string): { width: number; height: number };
}

const MARGIN = 12;

/*
 * Layered (like Stately's editor), left to right, orthogonal edges. Labels are ELK edge labels placed at
 * the edge's centre: layered turns each into a dummy node in its own layer, so edges are routed around
 * the label's box instead of through it, and the label stays on its own edge. Self-loops are routed by
 * ELK too (their label beside the loop).
 */
const OPTIONS = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.layered.edgeLabels.sideSelection': 'SMART_DOWN',
  'elk.spacing.nodeNode': '28',
  'elk.spacing.edgeEdge': '12',
  'elk.spacing.edgeNode': '16',
  'elk.spacing.edgeLabel': '4',
  'elk.spacing.labelLabel': '8',
  'elk.layered.spacing.nodeNodeBetweenLayers': '36',
  'elk.layered.spacing.edgeNodeBetweenLayers': '14',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '10',
  'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.crossingMinimization.forceNodeModelOrder': 'false',
  'elk.padding': `[top=${MARGIN + 8},left=${MARGIN},bottom=${MARGIN},right=${MARGIN}]`,
} as const;

// elk.bundled.js is a UMD/CommonJS bundle: its constructor is the default export or the module itself.
type ElkConstructor = new (args?: ELKConstructorArguments) => ELK;
const bundle = ElkBundle as unknown as ElkConstructor | { default: ElkConstructor };
const Elk: ElkConstructor = 'default' in bundle ? bundle.default : bundle;
let elk: ELK | null = null;

/** Lays the chart out with ELK. Pure apart from ELK itself: the same chart and sizes, the same layout. */
export async function layoutChart(chart: Chart, sizes: Sizes): Promise<Placed> {
  elk ??= new Elk();
  const edges: ElkExtendedEdge[] = chart.edges.map((edge, i) => {
    const size = sizes.label(edge.key);
    return {
      id: `e${i}`,
      sources: [`n${chart.nodes.findIndex((n) => n.id === edge.source)}`],
      targets: [`n${chart.nodes.findIndex((n) => n.id === edge.target)}`],
      labels: [{ id: `l${i}`, text: edge.key, width: size.width, height: size.height }],
    };
  });
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: { ...OPTIONS },
    children: chart.nodes.map((node, i) => ({ id: `n${i}`, ...sizes.node(node.id) })),
    edges,
  };
  const out = await elk.layout(graph);
  const nodes = new Map<string, Box>();
  chart.nodes.forEach((node, i) => {
    const n = out.children?.find((c) => c.id === `n${i}`);
    if (n !== undefined) {
      nodes.set(node.id, { x: n.x ?? 0, y: n.y ?? 0, width: n.width ?? 0, height: n.height ?? 0 });
    }
  });
  const placedEdges = new Map<string, { points: Point[]; label: Box | null }>();
  const laidEdges = (out.edges ?? []) as ElkExtendedEdge[];
  chart.edges.forEach((edge, i) => {
    const e = laidEdges.find((x) => x.id === `e${i}`);
    if (e === undefined) return;
    const points: Point[] = [];
    for (const section of e.sections ?? []) {
      points.push(section.startPoint, ...(section.bendPoints ?? []), section.endPoint);
    }
    const l = e.labels?.[0];
    placedEdges.set(edge.key, {
      points,
      label:
        l === undefined ? null : { x: l.x ?? 0, y: l.y ?? 0, width: l.width ?? 0, height: l.height ?? 0 },
    });
  });
  return { width: out.width ?? 0, height: out.height ?? 0, nodes, edges: placedEdges };
}
