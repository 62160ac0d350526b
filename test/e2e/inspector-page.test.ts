import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMemoryChainStore,
  createOperationalState,
  type OperationalStateRuntime,
} from '../../src/index.js';
import { createInspectionRecorder, type InspectorHandle, startInspector } from '../../src/inspect/index.js';
import { INSPECTOR_PAGE } from '../../scripts/build-inspector.js';
import { measureChart } from '../support/chart-overlap.js';
import { capturingLogger, modeSwitchStore } from '../support/stores.js';

/** The one browser global the assertions use (the test files are typed for Node). */
interface BrowserGlobals {
  getComputedStyle(element: unknown): { color: string };
}

const CHROMIUM = process.env.OPSTATE_CHROMIUM ?? '/usr/bin/chromium';
const HAS_BROWSER = existsSync(CHROMIUM);
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
/** The README's screenshots: the e2e takes them, so they show the page as it is. */
const DOCS = join(import.meta.dirname, '..', '..', 'docs');
/** Markup, and a right-to-left override that would make the rest read backwards: "claim acquired". */
const HOSTILE =
  '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> claim <b>acquired</b> \u202ederiuqca mialc\u202c';
/** How the page shows it: the markup as text, the two bidirectional controls as escapes. */
const SHOWN = HOSTILE.replace('\u202e', '\\u202e').replace('\u202c', '\\u202c');

if (!HAS_BROWSER) {
  // Loud on purpose: a skipped browser test must never pass for a green one.
  console.warn(
    `inspector e2e DID NOT RUN: no browser at ${CHROMIUM} (bash .ci/run installs Debian's chromium)`,
  );
}

describe('inspector e2e: CI has a browser', () => {
  it.runIf(process.env.CI !== undefined)('finds chromium', () => {
    expect(HAS_BROWSER, `CI must run the browser test; ${CHROMIUM} is missing`).toBe(true);
  });
});

describe.skipIf(!HAS_BROWSER)(`inspector e2e in ${CHROMIUM}`, () => {
  let browser: Browser;
  let page: Page;
  let inspector: InspectorHandle;
  let rt: OperationalStateRuntime;
  const store = modeSwitchStore('store write refused: disk <full>');
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    inspector = await startInspector({ logger: capturingLogger() });
    rt = createOperationalState(
      { store, workspaceId: 'ws-e2e' },
      // Quick retries: an emit that fails keeps retrying (nothing is lost) until the store is back.
      { logger: capturingLogger(), inspect: inspector, retry: { initialDelayMs: 50, maxDelayMs: 200 } },
    );
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // The page must not reach anything but its own server.
    page.on('request', (req) => {
      if (!req.url().startsWith(`http://127.0.0.1:${inspector.port}/`) && !req.url().startsWith('file:'))
        pageErrors.push(`unexpected request ${req.url()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await rt?.stop();
    await inspector?.close();
  });

  const rows = () => page.getByTestId('row');
  const state = () => page.getByTestId('current-state');

  it('replays to a late page: chart, current state, timeline with triggers, literals and chain events', async () => {
    await rt.transitionTo('ready', 'all §9.2 gates pass', { claimPermission: 'normal' });
    await rt.send({ type: 'CLAIM_ACQUIRED', trigger: HOSTILE });
    await rt.flush();
    await page.goto(inspector.url);
    await expect.poll(() => state().textContent()).toBe('active');
    await expect.poll(() => rows().count()).toBe(3);
    expect(await page.locator('[data-state="active"]').getAttribute('class')).toContain('current');
    const edge = page.locator('g.edge.last[data-edge]');
    await expect.poll(() => edge.getAttribute('data-edge')).toBe('ready|active');
    const chart = await page.getByTestId('chart').textContent();
    expect(chart).toContain('if triggerContains(text: "cost 100%")');
    expect(chart).toContain('⇒ kora.boot.ready');
    expect(chart).toContain('⇒ kora.boot.failed');
    expect(chart).toContain('⇒ kora.paused.cost_limit');

    const ready = rows().nth(1);
    expect(await ready.textContent()).toContain('GATES_PASSED');
    expect(await ready.textContent()).toContain('guard triggerContains(text: "all §9.2 gates pass")');
    expect(await ready.textContent()).toContain('literal kora.boot.ready');
    expect(await ready.locator('.chain li').allTextContents()).toStrictEqual([
      expect.stringMatching(/^seq 1 kora\.operational_state\.transitioned [0-9a-f]{16}…$/),
      expect.stringMatching(/^seq 2 kora\.boot\.ready [0-9a-f]{16}…$/),
    ]);
    expect(await page.getByTestId('claim').textContent()).toBe('normal');
    expect(await page.getByTestId('connection').textContent()).toBe('connected');
  });

  it('shows a trigger containing markup as text, never running it, and its bidirectional controls as escapes', async () => {
    const trigger = rows().nth(2).getByTestId('trigger').locator('q');
    expect(await trigger.textContent()).toBe(SHOWN);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('#timeline script, #timeline img, #timeline b').count()).toBe(0);
  });

  it('streams live: a failed emit shows in red with the error; the degraded badge follows reasons', async () => {
    store.setMode('throw');
    await rt.send({ type: 'PAUSE', cause: 'cost_limit', addReasons: ['cost'] });
    // No flush: the emit cannot land while the store throws; it is retried until the next test revives it.
    const failed = page.locator('[data-testid="row"][data-emit="failed"]');
    await expect.poll(() => failed.count()).toBe(1);
    const error = failed.getByTestId('emit-error');
    expect(await error.textContent()).toContain('emit failed: emit of');
    expect(await error.textContent()).toContain('disk <full>');
    // Polled: every retry re-renders the row, so a single read can land on a detached element.
    await expect
      .poll(() => error.evaluate((e) => (globalThis as unknown as BrowserGlobals).getComputedStyle(e).color))
      .toBe('rgb(198, 40, 40)');
    await expect.poll(() => state().textContent()).toBe('paused');
    expect(await page.getByTestId('degraded-badge').isVisible()).toBe(true);
    expect(await page.getByTestId('reasons').textContent()).toBe('cost');
    const health = page.getByTestId('emit-health');
    await expect
      .poll(() => health.textContent())
      .toMatch(/^emit failing \(latest at \d\d:\d\d:\d\d UTC\): .*disk <full>/);
    expect(await health.getAttribute('class')).toBe('emit-error-text');
    // Every failed attempt counts (and is logged); the retries keep failing while the store throws.
    await expect
      .poll(async () => Number(await page.getByTestId('failures').textContent()))
      .toBeGreaterThanOrEqual(1);
  });

  it('marks emits queued while the store is down, then shows them appended', async () => {
    store.setMode('down');
    await rt.send({ type: 'CREDIT_REFRESHED', removeReasons: ['cost'] });
    await rt.send({ type: 'CLAIM_ACQUIRED' });
    const queued = page.locator('[data-testid="row"][data-emit="queued"]');
    await expect.poll(() => queued.count()).toBe(2);
    expect(await page.getByTestId('queued').textContent()).toBe('2 emits queued (store slow or down)');
    expect(await page.getByTestId('degraded-badge').isVisible()).toBe(false);
    await mkdir(ARTIFACTS, { recursive: true });
    store.setMode('up');
    await rt.flush();
    await expect.poll(() => queued.count()).toBe(0);
    expect(await page.getByTestId('queued').isVisible()).toBe(false);
    expect(await rows().last().locator('.chain li').count()).toBe(1);
    // The failure no longer stands: the panel says when the store came back, not the old error.
    const health = page.getByTestId('emit-health');
    await expect
      .poll(() => health.textContent())
      .toMatch(/^store recovered at \d\d:\d\d:\d\d UTC \(last failure at /);
    expect(await health.getAttribute('class')).toBe('emit-recovered');
    await page.screenshot({ path: join(ARTIFACTS, 'inspector.png') });
    // The docs' picture changes only when asked: a test run leaves the working tree as it found it.
    if (process.env.OPSTATE_UPDATE_SCREENSHOTS === '1') {
      await page.screenshot({ path: join(DOCS, 'inspector.png') });
    }
  });

  it('draws a chart no edge crosses a label of, at both window sizes, each label next to its edge', async () => {
    for (const size of [
      { width: 1600, height: 1000 },
      { width: 1280, height: 720 },
    ]) {
      await page.setViewportSize(size);
      const m = await measureChart(page);
      expect(m.edges, `${size.width}×${size.height}`).toBe(15);
      expect(m.labels).toBe(15);
      expect(m.crossings, `${size.width}×${size.height}`).toStrictEqual([]);
      expect(m.labelOverlaps).toStrictEqual([]);
      expect(m.labelOnState).toStrictEqual([]);
      expect(m.farLabels).toStrictEqual([]);
    }
    // The current state and the last transition stand out.
    expect(await page.locator('g.state.current').getAttribute('data-state')).toBe('active');
    expect(await page.locator('g.edge.last[data-edge]').getAttribute('data-edge')).toBe('ready|active');
    await page.setViewportSize({ width: 1600, height: 1000 });
  });

  it('steps back through the timeline to any past snapshot, and back to live', async () => {
    await page.getByRole('button', { name: /back/ }).click();
    await expect.poll(() => state().textContent()).toBe('ready');
    await page.getByRole('button', { name: /back/ }).click();
    await expect.poll(() => state().textContent()).toBe('paused');
    expect(await page.getByTestId('degraded-badge').isVisible()).toBe(true);
    await rows().nth(1).click();
    await expect.poll(() => state().textContent()).toBe('ready');
    expect(await page.getByTestId('claim').textContent()).toBe('normal');
    expect(await page.locator('[data-state="ready"]').getAttribute('class')).toContain('current');
    expect(await rows().nth(1).getAttribute('class')).toContain('selected');
    expect(await rows().nth(2).getAttribute('class')).toContain('future');
    await page.screenshot({ path: join(ARTIFACTS, 'inspector-stepped.png') });
    // A transition while stepped back does not move the view; live does.
    await rt.send({ type: 'STOP' });
    // (Each failed attempt of the earlier emit also shows as an EMIT_FAILED row, so count STOP rows.)
    await expect.poll(() => rows().filter({ hasText: 'STOP' }).count()).toBe(1);
    expect(await state().textContent()).toBe('ready');
    await page.getByRole('button', { name: 'live' }).click();
    await expect.poll(() => state().textContent()).toBe('stopped');
  });

  it('loads a recorded JSONL trace, for debugging after the fact', async () => {
    const recorder = createInspectionRecorder();
    const other = createOperationalState(
      { store: createMemoryChainStore(), workspaceId: 'ws-trace' },
      { logger: capturingLogger(), inspect: recorder },
    );
    await other.transitionTo('paused', 'gate 3b epoch mismatch; cost 100%', { addReasons: ['cost'] });
    await other.stop();
    const tracePage = await browser.newPage();
    tracePage.on('pageerror', (e) => pageErrors.push(e.message));
    await tracePage.goto(`file://${INSPECTOR_PAGE}`);
    expect(await tracePage.getByTestId('connection').textContent()).toContain('no live source');
    await tracePage.getByLabel(/load trace/).setInputFiles({
      name: 'agent.jsonl',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(`${recorder.toJSONL()}not json\n`),
    });
    await expect.poll(() => tracePage.getByTestId('current-state').textContent()).toBe('paused');
    expect(await tracePage.getByTestId('trace-status').textContent()).toMatch(
      /^agent\.jsonl: \d+ records, 1 bad lines skipped$/,
    );
    // The trace ends with the actor's stop; the transition row before it carries the literal.
    const last = tracePage.getByTestId('row').filter({ hasText: 'EPOCH_MISMATCH' });
    expect(await last.textContent()).toContain('EPOCH_MISMATCH');
    expect(await last.textContent()).toContain('literal kora.paused.cost_limit');
    expect(await last.locator('.chain li').count()).toBe(2);
    await tracePage.close();
  });

  it('raised no page errors and made no outside requests', () => {
    expect(pageErrors).toStrictEqual([]);
  });
});
