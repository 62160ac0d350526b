import { randomUUID } from 'node:crypto';
import { GENERIC_TRANSITION_EVENT } from '../../src/domain/vocabulary.js';
import { newIdempotencyKey } from '../../src/emit/event-keys.js';
import { openPostgresChainStore } from '../../src/store/postgres/postgres-store.js';
import { type BenchSettings, type CaseResult, ratioCase, spread } from '../harness.js';

const keyed = (i: number) => ({
  eventType: GENERIC_TRANSITION_EVENT,
  payload: { from_primary_state: 'ready', to_primary_state: 'ready', trigger: `posture update #${i}` },
  idempotencyKey: newIdempotencyKey(),
});

/**
 * Keyed single appends (what the runtime writes) on a workspace bulk-loaded after the table's last
 * ANALYZE, against the same appends on fresh workspaces, rounds interleaved. Runs in a database of its
 * own with autovacuum off for the log table, so no ANALYZE rescues the loaded workspace mid-run: the
 * planner keeps believing the statistics taken while every workspace held a few events.
 */
export async function pgStaleStats(s: BenchSettings, url: string): Promise<CaseResult[]> {
  const database = `opstate_bench_stale_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = await openPostgresChainStore({ connectionString: url, migrate: false });
  await admin.query(`CREATE DATABASE ${database}`);
  const target = new URL(url);
  target.pathname = `/${database}`;
  const store = await openPostgresChainStore({ connectionString: target.toString() });
  const loadedEvents = s.quick ? 20_000 : 100_000;
  try {
    await store.query('ALTER TABLE opstate.event_log SET (autovacuum_enabled = false)');
    const loaded = `bench-stale-${randomUUID()}`;
    await store.append(loaded, [keyed(0), keyed(1), keyed(2)]);
    for (let w = 0; w < 200; w++) await store.append(`bench-small-${w}`, [keyed(0), keyed(1), keyed(2)]);
    await store.query('ANALYZE opstate.event_log');
    for (let b = 0; b < loadedEvents / 500; b++) {
      await store.append(
        loaded,
        Array.from({ length: 500 }, (_, i) => keyed(b * 500 + i)),
      );
    }
    const appends = s.quick ? 100 : 300;
    const rate = async (ws: string) => {
      const t = performance.now();
      for (let i = 0; i < appends; i++) await store.append(ws, [keyed(i)]);
      return appends / ((performance.now() - t) / 1000);
    };
    await rate(`bench-fresh-${randomUUID()}`); // warm-up, untimed
    const rounds = s.quick ? 2 : 5;
    const onLoaded: number[] = [];
    const onFresh: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const fresh = `bench-fresh-${randomUUID()}`;
      if (r % 2 === 0) {
        onLoaded.push(await rate(loaded));
        onFresh.push(await rate(fresh));
      } else {
        onFresh.push(await rate(fresh));
        onLoaded.push(await rate(loaded));
      }
    }
    const stale = await store.query(
      "SELECT reltuples::bigint AS planner_rows FROM pg_class WHERE oid = 'opstate.event_log'::regclass",
    );
    const verified = await store.verify(loaded);
    if (!verified.ok) throw new Error(`bench chain ${loaded} does not verify: ${JSON.stringify(verified)}`);
    const mine = spread(onLoaded);
    const base = spread(onFresh);
    if (mine === undefined || base === undefined) return [];
    return [
      ratioCase({
        name: `PostgreSQL: keyed appends on a workspace with ${loadedEvents.toLocaleString('en-US')} events, statistics from before the load`,
        value: mine.median,
        range: mine,
        unit: 'events/s',
        baseline: 'keyed appends on a fresh workspace, same store, same round',
        baselineValue: base.median,
        baselineRange: base,
        target: '≥ 0.8× fresh workspace',
        better: 'higher',
        targetRatio: 0.8,
        note: `planner believed ${String(stale[0]?.planner_rows)} rows; ${verified.length} events verified`,
      }),
    ];
  } finally {
    await store.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.close();
  }
}
