import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChainStore,
  createOperationalState,
  openPostgresChainStore,
  silentLogger,
} from '../../src/index.js';
import { createCheckpoint, formatCheckpoint, generateCheckpointKeys } from '../../src/checkpoint/index.js';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';
import { cli, cliProcess } from '../support/cli.js';
import { codeList, markdownTable } from '../support/markdown-table.js';
import { PG_URL, privateDatabaseUrl } from '../support/engines.js';

// `opstate cockpit --metrics` as an operator runs it: a real child process on a real store, scraped
// over HTTP like Prometheus does, its answer parsed as the Prometheus text format.

interface Engine {
  readonly name: 'sqlite' | 'postgres';
  readonly available: boolean;
  /** A fresh store's --store spec and a way to open it. */
  create(dir: string): Promise<string>;
  open(spec: string): Promise<ChainStore>;
  /** Edits seq 2 of `ws` behind the store's back (its chain then fails to verify). */
  tamper(spec: string, ws: string): Promise<void>;
}

const engines: Engine[] = [
  {
    name: 'sqlite',
    available: true,
    async create(dir) {
      return join(dir, 'chain.db');
    },
    open: (file) => openSqliteChainStore({ file }),
    async tamper(file, ws) {
      const db = new Database(file);
      db.exec('DROP TRIGGER event_log_no_update');
      db.prepare(
        `UPDATE event_log SET payload_canonical = replace(payload_canonical, 'normal', 'none') WHERE workspace_id = ? AND seq = 2`,
      ).run(ws);
      db.close();
    },
  },
  {
    name: 'postgres',
    available: PG_URL !== null,
    create: () => privateDatabaseUrl(),
    open: (url) => openPostgresChainStore({ connectionString: url }),
    async tamper(url, ws) {
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
  },
];

const PAGE = join(import.meta.dirname, '..', '..', 'docs', 'metrics.md');

/** `name{labels}` → value, for every sample of every family. */
function samples(families: readonly PrometheusFamily[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of families) {
    for (const m of f.metrics) {
      const labels = Object.entries(m.labels ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}="${v}"`)
        .join(',');
      out.set(labels === '' ? f.name : `${f.name}{${labels}}`, Number(m.value));
    }
  }
  return out;
}

for (const engine of engines) {
  describe.skipIf(!engine.available)(`opstate cockpit --metrics on ${engine.name}`, () => {
    let dir = '';
    let spec = '';
    let store: ChainStore;
    let cockpit: ReturnType<typeof cliProcess>;
    let metricsUrl = '';
    let token = '';

    const scrape = async (headers: Record<string, string> = { authorization: `Bearer ${token}` }) =>
      fetch(metricsUrl, { headers });
    const scraped = async () => {
      const res = await scrape();
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return samples(parsePrometheusTextFormat(await res.text()));
    };

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'opstate-cockpit-metrics-'));
      spec = await engine.create(dir);
      store = await engine.open(spec);
      const agent = (ws: string) =>
        createOperationalState({ store, workspaceId: ws }, { logger: silentLogger });
      const working = agent('org_working');
      await working.transitionTo('ready', 'all §9.2 gates pass', { claimPermission: 'normal' });
      await working.transitionTo('active', 'claim acquired');
      const broke = agent('org_broke');
      await broke.transitionTo('ready', 'all §9.2 gates pass', { claimPermission: 'normal' });
      await broke.transitionTo('paused', 'cost 100%', { addReasons: ['cost'] });
      const tampered = agent('org_tampered');
      await tampered.transitionTo('ready', 'all §9.2 gates pass', { claimPermission: 'normal' });
      await tampered.transitionTo('active', 'claim acquired');
      await Promise.all([working.stop(), broke.stop(), tampered.stop()]);
      await engine.tamper(spec, 'org_tampered');

      const checkpoints = join(dir, 'checkpoints');
      await mkdir(checkpoints);
      const { privateKeyPem } = generateCheckpointKeys();
      const cp = await createCheckpoint(store, 'org_working', privateKeyPem);
      await writeFile(join(checkpoints, 'org_working.json'), formatCheckpoint(cp));
      await writeFile(join(checkpoints, 'notes.json'), '{"not": "a checkpoint"}');

      const tokenFile = join(dir, 'token');
      cockpit = cliProcess([
        'cockpit',
        '--store',
        spec,
        '--metrics',
        '--checkpoints',
        checkpoints,
        '--token-file',
        tokenFile,
      ]);
      const m = await cockpit.waitFor(/metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/);
      metricsUrl = m[1] as string;
      token = (await readFile(tokenFile, 'utf8')).trim();
      const page = (await cockpit.waitFor(/cockpit: \S+\?token=(\S+)/))[1];
      expect(token).toBe(page);
    }, 120_000);

    afterAll(async () => {
      cockpit?.child.kill('SIGTERM');
      expect(await cockpit?.exited).toBe(0);
      await store?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('refuses a scrape without the bearer token, with a wrong one, or with the token in the URL', async () => {
      expect((await scrape({})).status).toBe(401);
      expect((await scrape({ authorization: `Bearer ${token}x` })).status).toBe(401);
      expect((await scrape({ authorization: token })).status).toBe(401);
      const inUrl = await fetch(`${metricsUrl}?token=${token}`);
      expect(inUrl.status).toBe(401);
      expect(inUrl.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const posted = await fetch(metricsUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(posted.status).toBe(405);
    });

    it('serves the fleet in the Prometheus text format', async () => {
      let s = await scraped();
      for (let i = 0; i < 200 && (s.get('opstate_fleet_agents_verification_pending') ?? 1) > 0; i += 1) {
        await new Promise((r) => setTimeout(r, 50));
        s = await scraped();
      }
      expect(s.get('opstate_fleet_workspaces')).toBe(3);
      expect(s.get('opstate_fleet_agents{state="active"}')).toBe(2);
      expect(s.get('opstate_fleet_agents{state="paused"}')).toBe(1);
      expect(s.get('opstate_fleet_agents{state="ready"}')).toBe(0);
      expect(s.get('opstate_fleet_agents{state="none"}')).toBe(0);
      expect(s.get('opstate_fleet_agents_degraded{reason="cost",state="paused"}')).toBe(1);
      expect(s.get('opstate_fleet_agents_degraded{reason="cost",state="active"}')).toBe(0);
      expect(s.get('opstate_fleet_agents_not_verifying')).toBe(1);
      expect(s.get('opstate_fleet_agents_verification_pending')).toBe(0);
      // Each agent: 2 transitions; the booting → ready one also appended its kora.boot.ready literal,
      // the cost pause its kora.paused.cost_limit.
      expect(s.get('opstate_fleet_transitions')).toBe(6);
      expect(s.get('opstate_fleet_chain_events')).toBe(3 * 3 + 1);
      const age = s.get('opstate_fleet_checkpoint_oldest_age_seconds');
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(600);
      expect(s.get('opstate_fleet_agents_without_checkpoint')).toBe(2);
      expect(s.get('opstate_fleet_checkpoint_files_unreadable')).toBe(1);
    });

    it('serves exactly the families docs/metrics.md lists, with their type and labels', async () => {
      const res = await scrape();
      const families = parsePrometheusTextFormat(await res.text());
      const rows = markdownTable(PAGE, 'metric');
      expect(families.map((f) => f.name).sort()).toEqual(rows.map((r) => codeList(r.metric ?? '')[0]).sort());
      for (const row of rows) {
        const name = codeList(row.metric ?? '')[0] as string;
        const family = families.find((f) => f.name === name);
        expect(family?.type.toLowerCase(), name).toBe(row.type);
        expect(family?.help.length, name).toBeGreaterThan(10);
        const labels = new Set(family?.metrics.flatMap((m) => Object.keys(m.labels ?? {})));
        expect([...labels].sort(), name).toEqual(codeList(row.labels ?? '').sort());
      }
    });

    it("reports the cockpit's own lag once it reads a new event", async () => {
      const rt = createOperationalState({ store, workspaceId: 'org_late' }, { logger: silentLogger });
      await rt.transitionTo('ready', 'claim released');
      await rt.stop();
      let s = await scraped();
      // The new workspace's row is counted as soon as its head shows, and its state once its last
      // transition is read: wait for both.
      const seen = () =>
        s.get('opstate_fleet_workspaces') === 4 && s.get('opstate_fleet_agents{state="ready"}') === 1;
      for (let i = 0; i < 200 && !seen(); i += 1) {
        await new Promise((r) => setTimeout(r, 50));
        s = await scraped();
      }
      expect(s.get('opstate_fleet_agents{state="ready"}')).toBe(1);
      const lag = s.get('opstate_cockpit_lag_seconds');
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThan(30);
    });
  });
}

describe('opstate cockpit metrics flags', () => {
  it('refuses --checkpoints without --metrics, and a --checkpoints that is not a directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opstate-cockpit-flags-'));
    try {
      const file = join(dir, 'chain.db');
      await (await openSqliteChainStore({ file })).close();
      const without = await cli(['cockpit', '--store', file, '--checkpoints', dir]);
      expect(without.code).toBe(2);
      expect(without.stderr).toMatch(/--checkpoints goes with --metrics/);
      const missing = join(dir, 'no-such-dir');
      const notDir = await cli(['cockpit', '--store', file, '--metrics', '--checkpoints', missing]);
      expect(notDir.code).toBe(2);
      expect(notDir.stderr).toContain(`--checkpoints ${JSON.stringify(missing)} is not a directory`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
