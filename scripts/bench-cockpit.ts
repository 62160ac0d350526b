/*
 * `npm run bench:cockpit -- [workspaces] [--engine sqlite|postgres|both] [--events n]`: the cockpit at
 * fleet size. Fills a store with `workspaces` valid chains (default 100,000 × 4 events, one of them
 * tampered), then measures, per engine:
 * - table: `Fleet.load()` in this process (the store's fleet summary), against the same run's raw read
 *   of the head table (ratio);
 * - the built `opstate cockpit` process: first table row on its page in a real browser (ms after spawn,
 *   target ≤ 2,000), its peak RSS (target ≤ 300 MB), a transition's time to the page (target ≤ 1,000 ms),
 *   and the time until the page says every workspace is verified; the tampered one must show NO.
 * Under a shared machine the absolute figures are noisy: compare the ratios and rerun before concluding.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { fleetId, fillPostgresFleet, fillSqliteFleet } from '../bench/cockpit/fill.js';
import {
  firstTable,
  fullyVerified,
  peakRssMb,
  startCockpitProcess,
  updateLatency,
} from '../bench/cockpit/probe.js';
import { benchPostgres } from '../bench/pg-server.js';
import { Fleet } from '../src/cockpit/fleet.js';
import { GENERIC_TRANSITION_EVENT } from '../src/domain/vocabulary.js';
import { silentLogger } from '../src/logger.js';
import type { ChainStore } from '../src/store/chain/types.js';
import { openPostgresChainStore } from '../src/store/postgres/postgres-store.js';
import { openSqliteChainStore } from '../src/store/sqlite/sqlite-store.js';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? undefined : args[i + 1];
};
const WORKSPACES = Number(args.find((a) => /^\d+$/.test(a)) ?? process.env.BENCH_WORKSPACES ?? 100_000);
const EVENTS = Number(flag('events') ?? 4);
const ENGINES = (flag('engine') ?? 'both') === 'both' ? ['sqlite', 'postgres'] : [flag('engine') as string];
const CHROMIUM = process.env.OPSTATE_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const TAMPERED = fleetId(Math.floor(WORKSPACES / 2), WORKSPACES);
const LATENCY_SAMPLES = 5;

if (!Number.isInteger(WORKSPACES) || WORKSPACES < 10)
  throw new Error(`workspaces: expected an integer ≥ 10, got ${WORKSPACES}`);
if (!Number.isInteger(EVENTS) || EVENTS < 2)
  throw new Error(`--events: expected an integer ≥ 2, got ${EVENTS}`);
if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM} (set OPSTATE_CHROMIUM)`);

// The cockpit is measured as users run it: the built CLI, built now from these sources.
execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });

interface Engine {
  readonly name: string;
  readonly spec: string;
  open(): Promise<ChainStore>;
  /** The raw baseline: every head row, nothing else. */
  rawHeads(): Promise<number>;
  tamper(): Promise<void>;
  cleanup(): Promise<void>;
}

const fmt = (ms: number) => `${Math.round(ms).toLocaleString('en-US')} ms`;
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${fmt(s[Math.floor(s.length / 2)]!)} (${fmt(s[0]!)}–${fmt(s[s.length - 1]!)})`;
};
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

async function sqliteEngine(): Promise<Engine> {
  const dir = await mkdtemp(join(tmpdir(), 'opstate-bench-cockpit-'));
  const file = join(dir, 'chain.db');
  return {
    name: 'SQLite',
    spec: file,
    open: () => openSqliteChainStore({ file }),
    async rawHeads() {
      const db = new Database(file, { readonly: true });
      const t = performance.now();
      db.prepare('SELECT workspace_id, seq, head_hash FROM chain_head ORDER BY workspace_id').all();
      const ms = performance.now() - t;
      db.close();
      return ms;
    },
    async tamper() {
      const db = new Database(file);
      db.exec('DROP TRIGGER event_log_no_update');
      db.prepare(
        `UPDATE event_log SET payload_canonical = replace(payload_canonical, 'normal', 'none') WHERE workspace_id = ? AND seq = 2`,
      ).run(TAMPERED);
      db.close();
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

async function postgresEngine(): Promise<Engine | null> {
  const server = benchPostgres();
  if (server === null) return null;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS opstate_bench_cockpit');
  await admin.query('CREATE DATABASE opstate_bench_cockpit');
  await admin.end();
  const u = new URL(server.url);
  u.pathname = '/opstate_bench_cockpit';
  const url = u.toString();
  const sql = async (text: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(text, params)).rows;
    } finally {
      await c.end();
    }
  };
  return {
    name: 'PostgreSQL',
    spec: url,
    open: () => openPostgresChainStore({ connectionString: url, migrate: 'check' }),
    async rawHeads() {
      const t = performance.now();
      await sql(
        "SELECT workspace_id, seq, encode(head_hash, 'hex') FROM opstate.chain_head ORDER BY workspace_id",
      );
      return performance.now() - t;
    },
    async tamper() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query('BEGIN');
      await c.query('SET LOCAL session_replication_role = replica');
      await c.query(
        `UPDATE opstate.event_log SET payload_canonical = replace(payload_canonical, 'normal', 'none') WHERE workspace_id = $1 AND seq = 2`,
        [TAMPERED],
      );
      await c.query('COMMIT');
      await c.end();
    },
    cleanup: async () => server.stop(),
  };
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
  for (const name of ENGINES) {
    const engine = name === 'sqlite' ? await sqliteEngine() : await postgresEngine();
    if (engine === null) {
      console.log(`${name}: no PostgreSQL (set OPSTATE_PG_URL): NOT measured`);
      continue;
    }
    try {
      let t = performance.now();
      if (name === 'sqlite') await fillSqliteFleet(engine.spec, WORKSPACES, EVENTS);
      else await fillPostgresFleet(engine.spec, WORKSPACES, EVENTS);
      const fillMs = performance.now() - t;
      await engine.tamper();
      console.log(
        `\n${engine.name}: ${WORKSPACES.toLocaleString('en-US')} workspaces × ${EVENTS} events, filled in ${fmt(fillMs)}`,
      );

      // In this process: the summary load against a raw read of the head table, alternated, 3 rounds.
      const raw: number[] = [];
      const table: number[] = [];
      for (let round = 0; round < 3; round += 1) {
        raw.push(await engine.rawHeads());
        const store = await engine.open();
        const fleet = new Fleet(store, { logger: silentLogger });
        t = performance.now();
        await fleet.load();
        table.push(performance.now() - t);
        fleet.close();
        await store.close();
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
      console.log(`  raw head-table read:        ${stats(raw)}`);
      console.log(
        `  table (fleet summary load): ${stats(table)}  ratio ${(median(table) / median(raw)).toFixed(2)}× raw`,
      );

      // The built cockpit process, seen through its page.
      // The browser tab is ready before the cockpit starts: its own start-up is not the cockpit's.
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto('about:blank');
      const run = await startCockpitProcess(CLI, engine.spec);
      try {
        console.log(`  URL printed after ${fmt(run.urlAfterMs)}`);
        const { ms, steps } = await firstTable(page, run);
        console.log(
          `  page asked at ${fmt(steps.asked)}, first byte ${fmt(steps.served)}, loaded ${fmt(steps.loaded)}`,
        );
        console.log(
          `  first table on the page:    ${fmt(ms)} after spawn  target ≤ 2,000 ms: ${verdict(ms <= 2000)}`,
        );
        const writer = await engine.open();
        const latencies: number[] = [];
        for (let i = 1; i <= LATENCY_SAMPLES; i += 1) {
          const ws = fleetId(i, WORKSPACES);
          const to = i % 2 === 0 ? 'stopped' : 'booting';
          latencies.push(
            await updateLatency(page, ws, to, async () => {
              await writer.append(ws, [
                {
                  eventType: GENERIC_TRANSITION_EVENT,
                  payload: {
                    from_primary_state: 'ready',
                    to_primary_state: to,
                    claim_permission: 'normal',
                    degradation_reasons: [],
                    trigger: `bench ${i}`,
                  },
                },
              ]);
            }),
          );
        }
        await writer.close();
        const worst = Math.max(...latencies);
        console.log(
          `  transition to the page:     ${stats(latencies)}  target ≤ 1,000 ms: ${verdict(worst <= 1000)}`,
        );
        const verified = await fullyVerified(page, run, WORKSPACES);
        const loadedLine = run
          .output()
          .split('\n')
          .find((l) => / workspaces? in /.test(l));
        console.log(`  startup line: ${loadedLine ?? '(none yet)'}`);
        console.log(`  every chain verified:       ${fmt(verified)} after spawn`);
        await page.getByTestId('search').fill(TAMPERED);
        const cell = page.locator(`[data-testid="ws-row"][data-ws="${TAMPERED}"] [data-col="verifies"]`);
        await cell.waitFor();
        console.log(`  tampered ${TAMPERED}: ${await cell.textContent()}`);
        const rss = peakRssMb(run.child.pid as number);
        console.log(
          `  cockpit peak RSS:           ${rss.toFixed(0)} MB  target ≤ 300 MB: ${verdict(rss <= 300)}`,
        );
        await page.close();
      } finally {
        run.child.kill('SIGTERM');
      }
    } finally {
      await engine.cleanup();
    }
  }
} finally {
  await browser.close();
}
