import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEGRADATION_REASONS, PRIMARY_STATES } from '../domain/vocabulary.js';
import { COMMON_HEADERS, sendText } from '../inspect/http-guard.js';
import { readCheckpointAges } from './checkpoint-ages.js';
import type { Fleet } from './fleet.js';
import type { WorkspaceSummary } from './wire.js';

/** The cockpit's `/metrics` options. */
export interface CockpitMetricsOptions {
  /**
   * A directory of signed checkpoints (`*.json`, as `opstate checkpoint --out` writes them): adds the
   * age of the oldest newest-checkpoint and the agents without any.
   */
  readonly checkpointsDir?: string;
}

/** The label for agents whose chain has no transition yet. */
const NO_STATE = 'none';

/** The fleet as one scrape sees it: computed once per scrape, then read by every gauge. */
interface FleetReading {
  readonly rows: readonly WorkspaceSummary[];
  readonly checkpoints: Awaited<ReturnType<typeof readCheckpointAges>> | null;
  readonly now: number;
}

/** Serves `GET /metrics` for one cockpit. */
export interface MetricsEndpoint {
  /** True for a request this endpoint answers (its path); the page's own gate does not see it. */
  handles(req: IncomingMessage): boolean;
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
  close(): void;
}

/**
 * The fleet in the Prometheus text format, with prom-client: the numbers are the cockpit's own model
 * (not OpenTelemetry instruments of this process), computed when Prometheus scrapes, which is what
 * prom-client's `collect()` gauges are for; it also needs no SDK and no second HTTP server. Labels are
 * bounded (states, degradation reasons), never workspace ids. Scrapers authenticate with
 * `Authorization: Bearer <token>`, the cockpit page's token.
 */
export async function startMetricsEndpoint(
  fleet: Fleet,
  token: string,
  options: CockpitMetricsOptions = {},
): Promise<MetricsEndpoint> {
  const { Gauge, Registry } = await import('prom-client');
  const registry = new Registry();
  const expected = Buffer.from(`Bearer ${token}`);
  let reading: FleetReading = { rows: [], checkpoints: null, now: Date.now() };
  let lagS: number | null = null;
  const known = new Map<string, number>();
  for (const row of fleet.summaries()) known.set(row.workspaceId, row.chainLength);
  // The cockpit's lag: how old the newest event was when a read brought it in (only reads that did).
  const unsubscribe = fleet.subscribe((changed) => {
    const now = Date.now();
    for (const row of changed) {
      if (row.chainLength <= (known.get(row.workspaceId) ?? 0)) continue;
      known.set(row.workspaceId, row.chainLength);
      if (row.lastEventAt !== null) lagS = Math.max(0, now - Date.parse(row.lastEventAt)) / 1000;
    }
  });

  const gauge = (
    name: string,
    help: string,
    labelNames: readonly string[],
    fill: (g: InstanceType<typeof Gauge>) => void,
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        fill(this);
      },
    });

  gauge('opstate_fleet_workspaces', 'Workspaces (agents) in the store', [], (g) =>
    g.set(reading.rows.length),
  );
  gauge(
    'opstate_fleet_agents',
    `Agents per primary state (state="${NO_STATE}": no transition recorded yet)`,
    ['state'],
    (g) => {
      const counts = new Map<string, number>([...PRIMARY_STATES, NO_STATE].map((s) => [s, 0]));
      for (const r of reading.rows)
        counts.set(r.state ?? NO_STATE, (counts.get(r.state ?? NO_STATE) ?? 0) + 1);
      for (const [state, n] of counts) g.set({ state }, n);
    },
  );
  gauge(
    'opstate_fleet_agents_degraded',
    'Agents per primary state and degradation reason (an agent with two reasons counts under both)',
    ['state', 'reason'],
    (g) => {
      const counts = new Map<string, number>();
      for (const state of PRIMARY_STATES)
        for (const reason of DEGRADATION_REASONS) counts.set(`${state}|${reason}`, 0);
      for (const r of reading.rows) {
        for (const reason of r.degradationReasons) {
          const k = `${r.state ?? NO_STATE}|${reason}`;
          counts.set(k, (counts.get(k) ?? 0) + 1);
        }
      }
      for (const [k, n] of counts) {
        const [state, reason] = k.split('|') as [string, string];
        g.set({ state, reason }, n);
      }
    },
  );
  gauge(
    'opstate_fleet_agents_not_verifying',
    'Agents whose chain does not verify (a divergence was found)',
    [],
    (g) => g.set(reading.rows.filter((r) => r.verifies === false).length),
  );
  gauge(
    'opstate_fleet_agents_verification_pending',
    'Agents whose chain the cockpit has not verified yet',
    [],
    (g) => g.set(reading.rows.filter((r) => r.verifies === null).length),
  );
  gauge(
    'opstate_fleet_chain_events',
    'Chain events over every workspace (each chain’s length, summed)',
    [],
    (g) => g.set(reading.rows.reduce((n, r) => n + r.chainLength, 0)),
  );
  gauge('opstate_fleet_transitions', 'Transitions recorded over every workspace, summed', [], (g) =>
    g.set(reading.rows.reduce((n, r) => n + r.transitions, 0)),
  );
  gauge(
    'opstate_cockpit_lag_seconds',
    'How old the newest event was when the cockpit read it, at its last read that brought new events',
    [],
    (g) => {
      if (lagS !== null) g.set(lagS);
    },
  );
  if (options.checkpointsDir !== undefined) {
    gauge(
      'opstate_fleet_checkpoint_oldest_age_seconds',
      'Age of the oldest of the workspaces’ newest signed checkpoints',
      [],
      (g) => {
        const ages = reading.checkpoints;
        if (ages === null) return;
        let oldest: number | null = null;
        for (const r of reading.rows) {
          const at = ages.newest.get(r.workspaceId);
          if (at !== undefined) oldest = Math.min(oldest ?? at, at);
        }
        if (oldest !== null) g.set(Math.max(0, reading.now - oldest) / 1000);
      },
    );
    gauge(
      'opstate_fleet_agents_without_checkpoint',
      'Agents with a chain but no signed checkpoint in the checkpoint directory',
      [],
      (g) => {
        const ages = reading.checkpoints;
        if (ages !== null) g.set(reading.rows.filter((r) => !ages.newest.has(r.workspaceId)).length);
      },
    );
    gauge(
      'opstate_fleet_checkpoint_files_unreadable',
      'Files in the checkpoint directory that are not checkpoints',
      [],
      (g) => g.set(reading.checkpoints?.unreadable ?? 0),
    );
  }

  const authorized = (req: IncomingMessage) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  return {
    handles(req) {
      return new URL(req.url ?? '/', 'http://loopback.invalid').pathname === '/metrics';
    },
    async serve(req, res) {
      if (!authorized(req)) {
        res.setHeader('www-authenticate', 'Bearer realm="opstate cockpit"');
        return sendText(res, 401, 'unauthorized: send Authorization: Bearer <the cockpit token>\n');
      }
      if (req.method !== 'GET') {
        res.writeHead(405, { ...COMMON_HEADERS, allow: 'GET' }).end();
        return;
      }
      reading = {
        rows: fleet.summaries(),
        checkpoints:
          options.checkpointsDir === undefined ? null : await readCheckpointAges(options.checkpointsDir),
        now: Date.now(),
      };
      const body = await registry.metrics();
      res.writeHead(200, { ...COMMON_HEADERS, 'content-type': registry.contentType }).end(body);
    },
    close() {
      unsubscribe();
      registry.clear();
    },
  };
}
