import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { createActor } from 'xstate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryChainStore, createOperationalState } from '../../src/index.js';
import { startInspector } from '../../src/inspect/index.js';
import { capturingLogger } from '../support/stores.js';
import { trafficLight } from '../support/traffic-light.js';

// What a reader sees at 1,400 × 900: every label at 11 px or more (the chart pans instead of shrinking
// its text), long text wrapped inside the panel, and for an ordinary XState machine every transition
// drawn and none of opstate's fields. Screenshots land in test-artifacts/.

const CHROMIUM = process.env.OPSTATE_CHROMIUM ?? '/usr/bin/chromium';
const HAS_BROWSER = existsSync(CHROMIUM);
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const VIEWPORT = { width: 1400, height: 900 };
const MIN_LABEL_PX = 11;

/** Browser-side globals the measuring functions use (the test files are typed for Node). */
interface MeasuredElement {
  readonly textContent: string | null;
  readonly scrollWidth: number;
  readonly clientWidth: number;
  getBoundingClientRect(): { right: number; width: number };
  closest(selector: string): { getScreenCTM(): { a: number } | null } | null;
}
interface BrowserGlobals {
  getComputedStyle(element: MeasuredElement): { fontSize: string };
  innerWidth: number;
}

/** Every chart text's size on screen: its font size times the SVG's scale. */
async function chartTextSizes(page: Page): Promise<{ text: string; px: number }[]> {
  return page.locator('[data-testid="chart"] text, [data-testid="chart"] tspan').evaluateAll((nodes) => {
    const g = globalThis as unknown as BrowserGlobals;
    return (nodes as unknown as MeasuredElement[])
      .filter((n) => (n.textContent ?? '').trim() !== '')
      .map((n) => {
        const scale = n.closest('svg')?.getScreenCTM()?.a ?? 1;
        return { text: n.textContent ?? '', px: parseFloat(g.getComputedStyle(n).fontSize) * scale };
      });
  });
}

/** Elements of the side panel whose content runs past their own box or past the window. */
async function overflowing(page: Page): Promise<string[]> {
  return page.locator('#right, #right *').evaluateAll((nodes) => {
    const g = globalThis as unknown as BrowserGlobals;
    return (nodes as unknown as MeasuredElement[])
      .filter((n) => n.scrollWidth > n.clientWidth + 1 || n.getBoundingClientRect().right > g.innerWidth + 1)
      .filter((n) => n.clientWidth > 0)
      .map((n) => (n.textContent ?? '').slice(0, 60));
  });
}

describe.skipIf(!HAS_BROWSER)(`inspector readability at 1,400 × 900 in ${CHROMIUM}`, () => {
  let browser: Browser;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("opstate's machine: no chart label under 11 px, long triggers and errors wrap", async () => {
    const inspector = await startInspector({ logger: capturingLogger() });
    const rt = createOperationalState(
      { store: createMemoryChainStore(), workspaceId: 'ws-readable' },
      { logger: capturingLogger(), inspect: inspector },
    );
    const long = `operator note: ${'a-very-long-unbroken-identifier-'.repeat(12)}end`;
    await rt.transitionTo('ready', 'all §9.2 gates pass', { claimPermission: 'normal' });
    await rt.send({ type: 'PAUSE', cause: 'operator', trigger: long, addReasons: ['operator'] });
    await rt.flush();
    const page = await browser.newPage({ viewport: VIEWPORT });
    try {
      await page.goto(inspector.url);
      await expect.poll(() => page.getByTestId('current-state').textContent()).toBe('paused');
      await expect.poll(() => page.getByTestId('row').count()).toBe(3);
      const sizes = await chartTextSizes(page);
      expect(sizes.some((s) => s.text.includes('if triggerContains'))).toBe(true);
      const small = sizes.filter((s) => s.px < MIN_LABEL_PX - 0.01);
      expect(small, `labels under ${MIN_LABEL_PX} px`).toEqual([]);
      expect(await overflowing(page)).toEqual([]);
      expect(await page.getByTestId('opstate-panel').isVisible()).toBe(true);
      expect(await page.getByTestId('context-json').isVisible()).toBe(false);
      await page.screenshot({ path: join(ARTIFACTS, 'inspector-1400x900.png') });
    } finally {
      await page.close();
      await rt.stop();
      await inspector.close();
    }
  }, 60_000);

  it('an ordinary machine written with shorthand: every transition drawn, its own context, no opstate panel', async () => {
    const actor = createActor(trafficLight).start();
    const inspector = await startInspector({ actor, logger: capturingLogger() });
    const page = await browser.newPage({ viewport: VIEWPORT });
    try {
      actor.send({ type: 'TIMER' });
      await page.goto(inspector.url);
      // Yellow, or red once its 2-second `after` fired.
      await expect.poll(() => page.getByTestId('current-state').textContent()).toMatch(/^(yellow|red)$/);
      const edges = await page
        .locator('g.edge[data-edge]')
        .evaluateAll((nodes) =>
          nodes.map((n) =>
            (n as unknown as { getAttribute(name: string): string }).getAttribute('data-edge'),
          ),
        );
      expect(edges.sort()).toEqual(
        [
          'flashing|green',
          'green|flashing',
          'green|yellow',
          'red|green',
          'red|red',
          'red|redLong',
          'redLong|green',
          'yellow|red',
        ].sort(),
      );
      const chart = await page.getByTestId('chart').textContent();
      for (const label of [
        'TIMER',
        'EMERGENCY',
        'after 2000 ms',
        'after rushHourDelay',
        'always',
        'if rushHour',
      ]) {
        expect(chart).toContain(label);
      }
      expect(await page.getByTestId('opstate-panel').isVisible()).toBe(false);
      expect(await page.getByTestId('context-json').textContent()).toContain('"cycles": 0');
      const small = (await chartTextSizes(page)).filter((s) => s.px < MIN_LABEL_PX - 0.01);
      expect(small).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, 'inspector-traffic-light.png') });
    } finally {
      await page.close();
      actor.stop();
      await inspector.close();
    }
  }, 60_000);
});
