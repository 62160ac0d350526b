import type { Page } from 'playwright-core';

/** What the chart measure found, in screen pixels at the page's current size. */
export interface ChartOverlap {
  readonly edges: number;
  readonly labels: number;
  /** (edge, label) pairs where a point sampled every 2 px along the edge's path falls in the label's text box. */
  readonly crossings: readonly string[];
  /** Label text boxes that overlap another label's text box. */
  readonly labelOverlaps: readonly string[];
  /** Label text boxes that overlap a state's box. */
  readonly labelOnState: readonly string[];
  /** Labels whose text box is farther than `maxDistance` px from their own edge's path. */
  readonly farLabels: readonly string[];
  /** The largest label-to-own-edge distance seen (px). */
  readonly maxLabelDistance: number;
}

/*
 * Runs in the page (as source text, so nothing the test transpiler adds can leak in). Paths are sampled
 * with getPointAtLength and mapped to the screen with getScreenCTM; text and state boxes come from
 * getBoundingClientRect, so the measure sees exactly what is drawn, at whatever scale it is drawn.
 */
const MEASURE = `(maxDistance) => {
  const svg = document.querySelector('[data-testid="chart"]');
  if (!svg) return null;
  const edges = [...svg.querySelectorAll('g.edge[data-edge]')];
  const labels = [...svg.querySelectorAll('text.edge-label')].map((t) => ({ key: t.getAttribute('data-label'), box: t.getBoundingClientRect() }));
  const states = [...svg.querySelectorAll('g.state[data-state] > rect:first-of-type')].map((r) => ({ key: r.parentElement.getAttribute('data-state'), box: r.getBoundingClientRect() }));
  const inside = (p, b) => p.x > b.left && p.x < b.right && p.y > b.top && p.y < b.bottom;
  const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const dist = (p, b) => Math.hypot(Math.max(b.left - p.x, 0, p.x - b.right), Math.max(b.top - p.y, 0, p.y - b.bottom));
  const crossings = [], labelOverlaps = [], labelOnState = [], farLabels = [];
  let maxLabelDistance = 0;
  for (const g of edges) {
    const key = g.getAttribute('data-edge');
    const path = g.querySelector('path.edge-line');
    const ctm = path.getScreenCTM();
    const total = path.getTotalLength();
    const samples = [];
    // Every 2 px on screen: the step in user units shrinks or grows with the chart's scale.
    const step = 2 / Math.max(Math.hypot(ctm.a, ctm.b), 1e-6);
    for (let at = 0; at <= total + 1e-9; at += step) {
      const p = path.getPointAtLength(Math.min(at, total));
      samples.push({ x: ctm.a * p.x + ctm.c * p.y + ctm.e, y: ctm.b * p.x + ctm.d * p.y + ctm.f });
    }
    for (const l of labels) {
      if (samples.some((s) => inside(s, l.box))) crossings.push(key + ' through ' + l.key);
    }
    const own = labels.find((l) => l.key === key);
    if (own) {
      const d = Math.min(...samples.map((s) => dist(s, own.box)));
      maxLabelDistance = Math.max(maxLabelDistance, d);
      if (d > maxDistance) farLabels.push(key + ' ' + d.toFixed(1) + 'px');
    }
  }
  labels.forEach((a, i) => {
    labels.slice(i + 1).forEach((b) => { if (overlap(a.box, b.box)) labelOverlaps.push(a.key + ' / ' + b.key); });
    for (const s of states) if (overlap(a.box, s.box)) labelOnState.push(a.key + ' on ' + s.key);
  });
  return { edges: edges.length, labels: labels.length, crossings, labelOverlaps, labelOnState, farLabels, maxLabelDistance };
}`;

/** Measures the chart currently shown on `page` (the inspector's or the cockpit's drill-down). */
export async function measureChart(page: Page, maxDistance = 24): Promise<ChartOverlap> {
  const result = await page.evaluate(`(${MEASURE})(${maxDistance})`);
  if (result === null) throw new Error('no chart on the page');
  return result as ChartOverlap;
}
