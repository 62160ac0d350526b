import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { GENERIC_TRANSITION_EVENT } from '../../src/domain/vocabulary.js';
import { newIdempotencyKey } from '../../src/emit/event-keys.js';
import type { ChainStore } from '../../src/store/chain/types.js';
import { type BenchSettings, type CaseResult, ratioCase, spread } from '../harness.js';
import { type EmmettPeer, openEmmett } from '../peers/emmett.js';

/**
 * The fleet cases, each run by three appenders against the same PostgreSQL server in the same round,
 * rounds interleaved so drift hits all three alike, each on workspaces that already hold events:
 *   raw     a plain INSERT (multi-row for batches) into a table of the same row shape with a primary key;
 *   opstate the chain store's append, every event with an idempotency key (as the runtime writes them);
 *   Emmett  0.42's appendToStream, one stream per workspace (conflicts on a shared stream retried).
 * Every chain opstate wrote here is verified at the end: a fast append that breaks the chain is no result.
 */
const RAW_TABLE = `CREATE TABLE IF NOT EXISTS public.opstate_bench_fleet_raw (
  id bigserial PRIMARY KEY, workspace_id text NOT NULL, event_type text NOT NULL, payload text NOT NULL,
  idempotency_key text, recorded_at timestamptz NOT NULL DEFAULT clock_timestamp())`;

function payload(i: number) {
  return {
    claim_permission: 'normal',
    degradation_reasons: [],
    from_primary_state: 'ready',
    to_primary_state: 'ready',
    trigger: `posture update #${i}`,
  };
}

type Appender = (ws: string, from: number, n: number) => Promise<void>;

interface FleetCase {
  readonly key: string;
  readonly label: string;
  /** Writers running at once, each on its own workspace or all on one. */
  readonly writers: number;
  readonly sharedWorkspace: boolean;
  /** Appends per writer and events per append. */
  readonly appends: number;
  readonly batch: number;
  readonly ofRaw: number;
}

function cases(quick: boolean): FleetCase[] {
  const q = (full: number, small: number) => (quick ? small : full);
  return [
    {
      key: 'seq',
      label: 'sequential 1-event appends',
      writers: 1,
      sharedWorkspace: false,
      appends: q(500, 100),
      batch: 1,
      ofRaw: 0.55,
    },
    {
      key: 'batch',
      label: `${q(10_000, 2000).toLocaleString('en-US')} events in batches of 500`,
      writers: 1,
      sharedWorkspace: false,
      appends: q(20, 4),
      batch: 500,
      ofRaw: 0.25,
    },
    {
      key: 'w8x8',
      label: '8 writers, 8 workspaces, 1-event appends',
      writers: 8,
      sharedWorkspace: false,
      appends: q(200, 40),
      batch: 1,
      ofRaw: 0.5,
    },
    {
      key: 'w8x1',
      label: '8 writers, 1 workspace, 1-event appends',
      writers: 8,
      sharedWorkspace: true,
      appends: q(150, 30),
      batch: 1,
      ofRaw: 0.17,
    },
  ];
}

/** Events each workspace holds before any timed append: the work runs on workspaces with history. */
const PREFILL = 1000;

/** The case's workspaces for one appender, each already holding PREFILL events written by it. */
async function prefilled(c: FleetCase, append: Appender, written: string[]): Promise<string[]> {
  const shared = `bench-fleet-${c.key}-${randomUUID()}`;
  const workspaces = Array.from({ length: c.writers }, () =>
    c.sharedWorkspace ? shared : `bench-fleet-${c.key}-${randomUUID()}`,
  );
  written.push(...new Set(workspaces));
  for (const ws of new Set(workspaces)) {
    for (let from = 0; from < PREFILL; from += 500) await append(ws, 1_000_000 + from, 500);
  }
  return workspaces;
}

async function timed(c: FleetCase, append: Appender, workspaces: readonly string[]): Promise<number> {
  const t = performance.now();
  await Promise.all(
    workspaces.map(async (ws, w) => {
      for (let a = 0; a < c.appends; a++) await append(ws, (w * c.appends + a) * c.batch, c.batch);
    }),
  );
  const seconds = (performance.now() - t) / 1000;
  return (c.writers * c.appends * c.batch) / seconds;
}

/** Runs the four fleet cases; `store` is the PostgreSQL chain store under test. */
export async function pgFleet(s: BenchSettings, url: string, store: ChainStore): Promise<CaseResult[]> {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  await pool.query(RAW_TABLE);
  let emmett: EmmettPeer | null = null;
  try {
    emmett = await openEmmett(url);
    const peer = emmett;
    const appenders: Record<'raw' | 'opstate' | 'emmett', Appender> = {
      async raw(ws, from, n) {
        if (n === 1) {
          await pool.query(
            'INSERT INTO public.opstate_bench_fleet_raw (workspace_id, event_type, payload, idempotency_key) VALUES ($1, $2, $3, $4)',
            [ws, GENERIC_TRANSITION_EVENT, JSON.stringify(payload(from)), newIdempotencyKey()],
          );
          return;
        }
        await pool.query(
          `INSERT INTO public.opstate_bench_fleet_raw (workspace_id, event_type, payload, idempotency_key)
           SELECT $1, $2, p, k FROM unnest($3::text[], $4::text[]) AS u(p, k)`,
          [
            ws,
            GENERIC_TRANSITION_EVENT,
            Array.from({ length: n }, (_, k) => JSON.stringify(payload(from + k))),
            Array.from({ length: n }, () => newIdempotencyKey()),
          ],
        );
      },
      async opstate(ws, from, n) {
        await store.append(
          ws,
          Array.from({ length: n }, (_, k) => ({
            eventType: GENERIC_TRANSITION_EVENT,
            payload: payload(from + k),
            idempotencyKey: newIdempotencyKey(),
          })),
        );
      },
      async emmett(ws, from, n) {
        await peer.append(
          ws,
          Array.from({ length: n }, (_, k) => payload(from + k)),
        );
      },
    };
    const rounds = s.quick ? 2 : 5;
    const order = ['raw', 'opstate', 'emmett'] as const;
    const rates = new Map<string, number[]>();
    const written: string[] = [];
    for (const c of cases(s.quick)) {
      // Each appender's workspaces, filled (untimed), then one untimed warm-up on them, then rounds on
      // the same workspaces with the order rotated.
      const spaces = new Map<string, string[]>();
      for (const who of order) {
        const ws = await prefilled(c, appenders[who], who === 'opstate' ? written : []);
        spaces.set(who, ws);
        await timed({ ...c, appends: Math.min(c.appends, 5) }, appenders[who], ws);
      }
      for (let r = 0; r < rounds; r++) {
        for (let k = 0; k < order.length; k++) {
          const who = order[(k + r) % order.length] as (typeof order)[number];
          const rate = await timed(c, appenders[who], spaces.get(who) ?? []);
          const key = `${c.key}:${who}`;
          rates.set(key, [...(rates.get(key) ?? []), rate]);
        }
      }
    }
    for (const ws of written) {
      const result = await store.verify(ws);
      if (!result.ok) throw new Error(`bench chain ${ws} does not verify: ${JSON.stringify(result)}`);
    }

    const rows: CaseResult[] = [];
    for (const c of cases(s.quick)) {
      const [mine, raw, em] = ['opstate', 'raw', 'emmett'].map((who) =>
        spread(rates.get(`${c.key}:${who}`) ?? []),
      );
      if (mine === undefined || raw === undefined || em === undefined) continue;
      rows.push(
        ratioCase({
          name: `PostgreSQL fleet: ${c.label}, opstate`,
          value: mine.median,
          range: mine,
          unit: 'events/s',
          baseline: 'raw INSERT, same server, same round',
          baselineValue: raw.median,
          baselineRange: raw,
          target: `≥ ${c.ofRaw}× raw`,
          better: 'higher',
          targetRatio: c.ofRaw,
        }),
        ratioCase({
          name: `PostgreSQL fleet: ${c.label}, opstate vs Emmett 0.42`,
          value: mine.median,
          range: mine,
          unit: 'events/s',
          baseline: 'Emmett 0.42 appendToStream',
          baselineValue: em.median,
          baselineRange: em,
          target: '≥ 1.0× Emmett',
          better: 'higher',
          targetRatio: 1,
          note: `every opstate event keyed; workspaces held ≥ ${PREFILL.toLocaleString('en-US')} events; Emmett ÷ raw ${(em.median / raw.median).toFixed(2)}; ${written.length} opstate chains verified`,
        }),
      );
    }
    return rows;
  } finally {
    await emmett?.close();
    await pool.end();
  }
}
