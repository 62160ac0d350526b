import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { CockpitTable } from '../../src/cockpit/wire.js';
import {
  type ChainStore,
  createOperationalState,
  openPostgresChainStore,
  silentLogger,
} from '../../src/index.js';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';
import { measureChart } from '../support/chart-overlap.js';
import { cli, cliProcess } from '../support/cli.js';
import { privateDatabaseUrl, PG_URL } from '../support/engines.js';

const CHROMIUM = process.env.OPSTATE_CHROMIUM ?? '/usr/bin/chromium';
const HAS_BROWSER = existsSync(CHROMIUM);
const DOCS = join(import.meta.dirname, '..', '..', 'docs');
/** Where the size checks leave their screenshots, to look at when one fails. */
const SHOTS = join(tmpdir(), 'opstate-cockpit-shots');
mkdirSync(SHOTS, { recursive: true });
const AGENTS = fileURLToPath(new URL('../support/cockpit-agents.ts', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** Markup, and a right-to-left override that would make the rest read backwards. */
const HOSTILE =
  '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script> gates \u202esetag\u202c';
/** How the page shows it: the markup as text, the two bidirectional controls as escapes. */
const SHOWN = HOSTILE.replace('\u202e', '\\u202e').replace('\u202c', '\\u202c');
const PROCESSES = 5;
const PER_PROCESS = 10;

if (!HAS_BROWSER) console.warn(`cockpit e2e DID NOT RUN: no browser at ${CHROMIUM}`);

/** A child process running PER_PROCESS agents on the shared store; `send` makes one transition. */
function agents(spec: string, prefix: string, firstTrigger?: string) {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [
      '--import',
      tsxLoader,
      AGENTS,
      spec,
      prefix,
      String(PER_PROCESS),
      ...(firstTrigger ? [firstTrigger] : []),
    ],
    { stdio: 'pipe' },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const waitFor = async (text: string, timeoutMs = 60_000) => {
    const start = Date.now();
    while (!out.includes(text)) {
      if (child.exitCode !== null || Date.now() - start > timeoutMs) {
        throw new Error(`agents ${prefix}: no "${text}" (exit ${child.exitCode}):\n${out}\n${err}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    child,
    ready: () => waitFor('ready'),
    /** Resolves when the child has appended the transition (its flush returned). */
    async send(ws: string, to: string, trigger: string): Promise<void> {
      child.stdin.write(`${JSON.stringify({ ws, to, trigger })}\n`);
      await waitFor(`done ${ws} ${to}`);
    },
  };
}

interface Setup {
  readonly name: 'sqlite' | 'postgres';
  readonly available: boolean;
  /** Makes an empty store and returns its --store spec. */
  create(): Promise<string>;
  /** Appends a short chain to `ws`, then edits seq 2's payload behind the store's back. */
  tamper(spec: string, ws: string): Promise<void>;
  cleanup(): Promise<void>;
}

let tmp = '';
const setups: Setup[] = [
  {
    name: 'sqlite',
    available: true,
    async create() {
      tmp = await mkdtemp(join(tmpdir(), 'opstate-cockpit-'));
      const file = join(tmp, 'chain.db');
      await (await openSqliteChainStore({ file })).close();
      return file;
    },
    async tamper(file, ws) {
      const store = await openSqliteChainStore({ file });
      await twoTransitions(store, ws);
      await store.close();
      // Whoever can write the file can drop the append-only trigger: an attacker editing history.
      const db = new Database(file);
      db.exec('DROP TRIGGER event_log_no_update');
      db.prepare(
        `UPDATE event_log SET payload_canonical = replace(payload_canonical, 'normal', 'none') WHERE workspace_id = ? AND seq = 2`,
      ).run(ws);
      db.close();
    },
    async cleanup() {
      await rm(tmp, { recursive: true, force: true });
    },
  },
  {
    name: 'postgres',
    available: PG_URL !== null,
    async create() {
      const url = await privateDatabaseUrl();
      await (await openPostgresChainStore({ connectionString: url })).close();
      return url;
    },
    async tamper(url, ws) {
      const store = await openPostgresChainStore({ connectionString: url, migrate: 'check' });
      await twoTransitions(store, ws);
      await store.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('BEGIN');
        await client.query('SET LOCAL session_replication_role = replica');
        await client.query(
          `UPDATE opstate.event_log SET payload_canonical = replace(payload_canonical, 'normal', 'none') WHERE workspace_id = $1 AND seq = 2`,
          [ws],
        );
        await client.query('COMMIT');
      } finally {
        await client.end();
      }
    },
    async cleanup() {},
  },
];

async function twoTransitions(store: ChainStore, ws: string) {
  const rt = createOperationalState({ store, workspaceId: ws }, { logger: silentLogger });
  await rt.transitionTo('ready', 'all §9.2 gates pass', { claimPermission: 'normal' });
  await rt.transitionTo('active', 'claim acquired');
  await rt.stop();
}

describe.skipIf(!HAS_BROWSER)('cockpit e2e', () => {
  let browser: Browser;
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
  });
  afterAll(async () => {
    await browser?.close();
  });

  for (const setup of setups) {
    describe.skipIf(!setup.available)(`on ${setup.name}: 50 agents in ${PROCESSES} processes`, () => {
      let spec = '';
      let url = '';
      let port = 0;
      let page: Page;
      let cockpit: ReturnType<typeof cliProcess>;
      const children: ReturnType<typeof agents>[] = [];
      const pageErrors: string[] = [];

      beforeAll(async () => {
        spec = await setup.create();
        for (let p = 0; p < PROCESSES; p += 1)
          children.push(agents(spec, `p${p}`, p === 2 ? HOSTILE : undefined));
        await Promise.all(children.map((c) => c.ready()));
        await setup.tamper(spec, 'tampered');
        cockpit = cliProcess(['cockpit', '--store', spec]);
        const m = await cockpit.waitFor(/cockpit: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=\S+)/);
        url = m[1] as string;
        port = Number(m[2]);
        page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
        page.on('pageerror', (e) => pageErrors.push(e.message));
        page.on('request', (req) => {
          if (!req.url().startsWith(`http://127.0.0.1:${port}/`))
            pageErrors.push(`unexpected request ${req.url()}`);
        });
        await page.goto(url);
      }, 180_000);

      afterAll(async () => {
        await page?.close();
        cockpit?.child.kill('SIGTERM');
        expect(await cockpit?.exited).toBe(0);
        for (const c of children) c.child.stdin.end();
        await Promise.all(children.map((c) => new Promise((r) => c.child.once('close', r))));
        await setup.cleanup();
      });

      const rows = () => page.getByTestId('ws-row');
      const row = (ws: string) => page.locator(`[data-testid="ws-row"][data-ws="${ws}"]`);

      it('lists every workspace (virtualized: not every row is in the DOM), with state, claim and chain', async () => {
        await expect.poll(() => page.getByTestId('shown').textContent()).toBe('51 of 51 workspaces');
        expect(await page.getByTestId('connection').textContent()).toBe('live');
        const api = (await (await fetch(url.replace('/?', '/api/workspaces?'))).json()) as CockpitTable;
        const ids = api.workspaces.map((w) => w.workspaceId);
        for (let p = 0; p < PROCESSES; p += 1)
          for (let a = 0; a < PER_PROCESS; a += 1) expect(ids).toContain(`p${p}-a${a}`);
        expect(ids).toContain('tampered');
        expect(api.workspaces.find((w) => w.workspaceId === 'p1-a1')).toMatchObject({
          state: 'active',
          claimPermission: 'normal',
          degradationReasons: [],
          lastTrigger: 'claim acquired',
          transitions: 2,
          chainLength: 3,
          verifies: true,
        });
        const drawn = await rows().count();
        expect(drawn).toBeGreaterThan(20);
        expect(drawn).toBeLessThan(51);
        expect(await row('p0-a0').locator('[data-col="state"]').textContent()).toBe('ready');
      });

      it('shows a transition made in any process within 1 s', async () => {
        for (const [p, ws] of [
          [1, 'p1-a3'],
          [4, 'p4-a8'],
        ] as const) {
          await page.getByTestId('search').fill(ws);
          await expect.poll(() => rows().count()).toBe(1);
          await children[p]!.send(ws, 'paused', 'cost 100%');
          const landed = Date.now();
          await expect.poll(() => row(ws).getAttribute('data-state'), { interval: 20 }).toBe('paused');
          expect(Date.now() - landed, `${ws} shown after the append`).toBeLessThan(1000);
        }
        await page.getByTestId('search').fill('');
      });

      it('filters by state', async () => {
        await page.getByTestId('filter-paused').click();
        await expect.poll(() => page.getByTestId('shown').textContent()).toBe('2 of 51 workspaces');
        expect(await rows().evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))).toStrictEqual(
          ['paused', 'paused'],
        );
        await page.getByTestId('filter-active').click();
        // p*-a1,3,5,7,9 are active, less p1-a3 (paused), plus "tampered".
        await expect.poll(() => page.getByTestId('shown').textContent()).toBe('25 of 51 workspaces');
        await page.getByTestId('filter-all').click();
        await expect.poll(() => page.getByTestId('shown').textContent()).toBe('51 of 51 workspaces');
      });

      it('sorts by a column', async () => {
        await page.locator('[data-sort="chain"]').click();
        await page.locator('[data-sort="chain"]').click(); // descending: the longest chains first
        await expect.poll(() => rows().first().getAttribute('data-ws')).toMatch(/^(p1-a3|p4-a8)$/);
        await page.locator('[data-sort="workspace"]').click();
        await expect.poll(() => rows().first().getAttribute('data-ws')).toBe('p0-a0');
      });

      it('drills down: the chart at the current state, the last transition lit, timeline and chain events', async () => {
        await page.getByTestId('search').fill('p4-a8');
        await row('p4-a8').click();
        await expect.poll(() => page.getByTestId('detail-state').textContent()).toBe('paused');
        await expect
          .poll(() => page.locator('#detail-chart g.state.current').getAttribute('data-state'))
          .toBe('paused');
        expect(await page.locator('#detail-chart g.edge.last[data-edge]').getAttribute('data-edge')).toBe(
          'ready|paused',
        );
        expect(await page.getByTestId('detail-verify').textContent()).toMatch(
          /^chain verifies: 4 events, head [0-9a-f]{16}…$/,
        );
        const transitions = page.getByTestId('detail-transition');
        expect(await transitions.count()).toBe(2);
        expect(await transitions.first().textContent()).toContain('literal kora.paused.cost_limit');
        expect(await page.getByTestId('detail-event').allTextContents()).toStrictEqual([
          expect.stringMatching(/^seq 4 kora\.paused\.cost_limit [0-9a-f]{16}…/),
          expect.stringMatching(/^seq 3 kora\.operational_state\.transitioned /),
          expect.stringMatching(/^seq 2 kora\.boot\.ready /),
          expect.stringMatching(/^seq 1 kora\.operational_state\.transitioned /),
        ]);
        const m = await measureChart(page);
        expect(m.edges).toBe(15);
        expect([...m.crossings, ...m.labelOverlaps, ...m.labelOnState, ...m.farLabels]).toStrictEqual([]);
        // Live: a transition of the open workspace updates the drill-down too.
        await children[4]!.send('p4-a8', 'ready', 'operator clears via kora_control reset');
        await expect.poll(() => page.getByTestId('detail-state').textContent()).toBe('ready');
        await expect
          .poll(() => page.locator('#detail-chart g.edge.last[data-edge]').getAttribute('data-edge'))
          .toBe('paused|ready');
        await page.getByTestId('search').fill('');
        // Into the docs only when asked: a test run leaves the working tree as it found it.
        const where = process.env.OPSTATE_UPDATE_SCREENSHOTS === '1' ? DOCS : SHOTS;
        if (setup.name === 'sqlite') await page.screenshot({ path: join(where, 'cockpit.png') });
      });

      it('shows a tampered workspace as not verifying, with seq and kind', async () => {
        await page.getByTestId('filter-broken').click();
        await expect.poll(() => page.getByTestId('shown').textContent()).toBe('1 of 51 workspaces');
        expect(await row('tampered').locator('[data-col="verifies"]').textContent()).toBe(
          'NO: seq 2 hash_mismatch',
        );
        await row('tampered').click();
        await expect
          .poll(() => page.getByTestId('detail-verify').textContent())
          .toMatch(/^chain does NOT verify: seq 2 hash_mismatch/);
        await page.getByTestId('filter-all').click();
      });

      it('keeps drill-down labels ≥ 11 px at 1,400×900, wraps the tampered message, reads at 1,024 px', async () => {
        await page.setViewportSize({ width: 1400, height: 900 });
        await page.getByTestId('search').fill('tampered');
        await row('tampered').click();
        await expect
          .poll(() => page.getByTestId('detail-verify').textContent())
          .toMatch(/^chain does NOT verify: seq 2 hash_mismatch/);
        await page.locator('#detail-chart svg text').first().waitFor();
        await page.screenshot({ path: join(SHOTS, `cockpit-${setup.name}-1400x900.png`) });
        // Rendered size: the computed font size times the SVG's scale on screen.
        // In the page as source text: the tests are type-checked without the DOM library.
        const smallest =
          await page.evaluate<number>(`Math.min(...[...document.querySelectorAll('#detail-chart svg text')]
          .map((t) => parseFloat(getComputedStyle(t).fontSize) * (t.getScreenCTM()?.a ?? 0)))`);
        expect(smallest).toBeGreaterThanOrEqual(11);
        const verify = await page.evaluate<{
          overflow: number;
          right: number;
          panelRight: number;
          lines: number;
        }>(`(() => {
          const v = document.getElementById('detail-verify');
          const box = v.getBoundingClientRect();
          return { overflow: v.scrollWidth - v.clientWidth, right: box.right,
            panelRight: document.getElementById('detail').getBoundingClientRect().right,
            lines: box.height / parseFloat(getComputedStyle(v).lineHeight) };
        })()`);
        expect(verify.overflow).toBeLessThanOrEqual(0);
        expect(verify.right).toBeLessThanOrEqual(verify.panelRight);
        expect(verify.lines).toBeGreaterThan(1.5);
        await page.keyboard.press('Escape');

        await page.setViewportSize({ width: 1024, height: 768 });
        await row('tampered').click();
        await page.screenshot({ path: join(SHOTS, `cockpit-${setup.name}-1024.png`) });
        const table = await page.evaluate<{
          cutHeads: string[];
          narrowest: number;
          cutVerdicts: string[];
          fontPx: number;
        }>(`(() => {
          const heads = [...document.querySelectorAll('#table-head button')];
          const cells = [...document.querySelectorAll('[data-testid="ws-row"] .cell')];
          return {
            cutHeads: heads.filter((h) => h.scrollWidth > h.clientWidth).map((h) => h.textContent),
            narrowest: Math.min(...cells.map((c) => c.getBoundingClientRect().width)),
            cutVerdicts: cells
              .filter((c) => c.dataset.col === 'verifies' && c.scrollWidth > c.clientWidth)
              .map((c) => c.textContent),
            fontPx: Math.min(...cells.map((c) => parseFloat(getComputedStyle(c).fontSize))),
          };
        })()`);
        expect(table.cutHeads).toStrictEqual([]);
        expect(table.narrowest).toBeGreaterThanOrEqual(56);
        expect(table.cutVerdicts).toStrictEqual([]);
        expect(table.fontPx).toBeGreaterThanOrEqual(11);
        await page.keyboard.press('Escape');
        await page.setViewportSize({ width: 1600, height: 1000 });
        await page.getByTestId('search').fill('');
      });

      it('renders trigger text as text, never markup, and its bidirectional controls as escapes', async () => {
        await page.getByTestId('search').fill('p2-a0');
        await expect.poll(() => row('p2-a0').locator('[data-col="trigger"]').textContent()).toBe(SHOWN);
        expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
        expect(await page.locator('#rows img, #rows script').count()).toBe(0);
        await page.getByTestId('search').fill('');
      });

      it('holds the token and loopback rules; the JSON API needs the token too', async () => {
        const base = `http://127.0.0.1:${port}`;
        expect((await fetch(`${base}/`)).status).toBe(403);
        expect((await fetch(`${base}/?token=wrong`)).status).toBe(403);
        expect((await fetch(`${base}/api/workspaces`)).status).toBe(403);
        expect((await fetch(`${base}/api/workspaces/p0-a0?token=nope`)).status).toBe(403);
        const refused = await new Promise<string>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=wrong`);
          ws.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
          ws.once('open', () => resolve('open'));
          ws.once('error', () => resolve('error'));
        });
        expect(refused).toBe('403');
        const res = await fetch(url);
        expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
        expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      });

      it('prints the same table with --once --json', async () => {
        const r = await cli(['cockpit', '--store', spec, '--once', '--json']);
        expect(r.code, r.stderr).toBe(0);
        const once = JSON.parse(r.stdout) as CockpitTable;
        const api = (await (await fetch(url.replace('/?', '/api/workspaces?'))).json()) as CockpitTable;
        const strip = (t: CockpitTable) => t.workspaces.map(({ timeInStateMs: _t, ...w }) => w);
        expect(strip(once)).toStrictEqual(strip(api));
        expect(once.workspaces).toHaveLength(51);
      });

      it('raised no page errors and made no outside requests', () => {
        expect(pageErrors).toStrictEqual([]);
      });
    });
  }
});
