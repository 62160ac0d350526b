import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { openPostgresChainStore } from '../../src/store/postgres/postgres-store.js';
import { freshWorkspace, PG_URL, privateDatabaseUrl } from '../support/engines.js';

const keyed = (n: number) => ({
  eventType: GENERIC_TRANSITION_EVENT,
  payload: { n, trigger: `event ${n}` },
  idempotencyKey: randomUUID(),
});

const CALL = 'SELECT * FROM opstate.chain_append($1, $2::text[], $3::text[], $4::text[], $5::text[])';
const args = (ws: string, keys: readonly string[]) => [
  ws,
  keys.map(() => GENERIC_TRANSITION_EVENT),
  keys.map((_, i) => `{"n":${i}}`),
  keys.map(() => null),
  keys,
];

/** The plans auto_explain reports (nested statements included), per call. */
async function explainedSession(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const notices: string[] = [];
  client.on('notice', (n) => notices.push(n.message ?? ''));
  await client.query("LOAD 'auto_explain'");
  await client.query(`SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;
    SET auto_explain.log_analyze = on; SET auto_explain.log_buffers = on; SET client_min_messages = log;
    SET plan_cache_mode = force_generic_plan`);
  return {
    async call(ws: string, keys: readonly string[]) {
      notices.length = 0;
      const rows = (await client.query(CALL, args(ws, keys))).rows as { r_duplicate: boolean }[];
      return { rows, plans: [...notices] };
    },
    end: () => client.end(),
  };
}

/** The plans that read opstate.event_log by anything but the idempotency key's unique index. */
function wrongIndex(plans: readonly string[]): string[] {
  return plans.filter(
    (p) =>
      /Seq Scan on event_log|Bitmap Heap Scan on event_log|using event_log_pkey/.test(p) &&
      /idempotency_key/.test(p) &&
      !/^Query Text: SELECT \* FROM opstate\.chain_append/m.test(p),
  );
}

/** Buffers the whole call touched (the top-level plan sums its nested statements). */
function buffers(plans: readonly string[]): number {
  const top = plans.find((p) => /Function Scan on chain_append/.test(p)) ?? '';
  const hit = /shared hit=(\d+)/.exec(top);
  const read = /read=(\d+)/.exec(top);
  return Number(hit?.[1] ?? 0) + Number(read?.[1] ?? 0);
}

describe.skipIf(PG_URL === null)('[postgres] keyed appends under statistics from before a bulk load', () => {
  it('the idempotency check and the duplicate path use only the (workspace_id, idempotency_key) index', async () => {
    const url = await privateDatabaseUrl();
    const store = await openPostgresChainStore({ connectionString: url });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const session = await explainedSession(url);
    try {
      // Autovacuum would re-analyze after the load and hide the problem: off, for this table only.
      await admin.query('ALTER TABLE opstate.event_log SET (autovacuum_enabled = false)');
      const ws = freshWorkspace('stale-stats');
      await store.append(ws, [keyed(0), keyed(1), keyed(2)]);
      for (let w = 0; w < 200; w++) await store.append(`small-${w}`, [keyed(0), keyed(1), keyed(2)]);
      // Statistics taken while the workspace is small: a few rows per workspace.
      await admin.query('ANALYZE opstate.event_log');
      const loaded: string[] = [];
      for (let b = 0; b < 20; b++) {
        const batch = Array.from({ length: 500 }, (_, i) => keyed(b * 500 + i));
        loaded.push(...batch.map((e) => e.idempotencyKey));
        await store.append(ws, batch);
      }
      // The planner still believes the table holds what it held at ANALYZE.
      const stale = await admin.query(
        `SELECT c.reltuples < 1000 AS stale, (SELECT count(*) FROM opstate.event_log) > 10000 AS loaded
           FROM pg_class c WHERE c.oid = 'opstate.event_log'::regclass`,
      );
      expect(stale.rows[0]).toStrictEqual({ stale: true, loaded: true });

      // New keys, one by one (the runtime's append): the insert's arbiter is the only check.
      for (let i = 0; i < 8; i++) {
        const { rows, plans } = await session.call(ws, [randomUUID()]);
        expect(rows.map((r) => r.r_duplicate)).toStrictEqual([false]);
        expect(wrongIndex(plans)).toStrictEqual([]);
        // Reading the 10,000-event workspace would touch hundreds of pages.
        // Reading the 10,000-event workspace would touch hundreds of pages (the first call also
        // loads the catalog).
        if (i > 0) expect(buffers(plans)).toBeLessThan(100);
      }
      // A known key, alone: the original row, found by its unique index.
      const known = loaded[1234] as string;
      await session.call(ws, [known]);
      const dup = await session.call(ws, [known]);
      expect(dup.rows.map((r) => r.r_duplicate)).toStrictEqual([true]);
      expect(wrongIndex(dup.plans)).toStrictEqual([]);
      expect(dup.plans.some((p) => /event_log_workspace_id_idempotency_key_key/.test(p))).toBe(true);
      expect(buffers(dup.plans)).toBeLessThan(100);

      // A batch of new keys goes in as one set; a batch holding a known key takes the row-by-row path.
      const fresh = await session.call(
        ws,
        Array.from({ length: 50 }, () => randomUUID()),
      );
      expect(fresh.rows.every((r) => !r.r_duplicate)).toBe(true);
      expect(wrongIndex(fresh.plans)).toStrictEqual([]);
      await session.call(ws, [randomUUID(), loaded[7] as string]);
      const mixed = await session.call(ws, [randomUUID(), loaded[42] as string, randomUUID()]);
      expect(mixed.rows.map((r) => r.r_duplicate)).toStrictEqual([false, true, false]);
      expect(wrongIndex(mixed.plans)).toStrictEqual([]);
      expect(buffers(mixed.plans)).toBeLessThan(150);

      const result = await store.verify(ws);
      expect(result).toMatchObject({ ok: true, length: 3 + 10_000 + 8 + 50 + 1 + 2 });
    } finally {
      await session.end();
      await admin.end();
      await store.close();
    }
  }, 120_000);
});
