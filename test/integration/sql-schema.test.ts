import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/store/chain/index.js';
import { loadMigrations } from '../../src/store/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { freshWorkspace, type SqlStoreUnderTest, sqlEngines } from '../support/engines.js';

const events = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => ({
    eventType: GENERIC_TRANSITION_EVENT,
    payload: { n: from + i, trigger: `event ${from + i}` },
    idempotencyKey: `key-${from + i}`,
  }));

for (const engine of sqlEngines) {
  describe.skipIf(!engine.available)(`[${engine.name}] schema, migrations and tamper evidence`, () => {
    let store: SqlStoreUnderTest;
    beforeAll(async () => {
      store = await engine.open();
    });
    afterAll(async () => {
      await store.close();
    });

    it('migrations are recorded once and a re-run applies nothing', async () => {
      expect(await store.migrate()).toStrictEqual([]);
      expect(await store.migrate()).toStrictEqual([]);
      const rows = await store.raw('SELECT name, checksum FROM opstate.schema_migrations ORDER BY name');
      expect(rows).toStrictEqual(loadMigrations().map((m) => ({ name: m.name, checksum: m.checksum })));
      const types = await store.raw('SELECT event_type FROM opstate.event_types ORDER BY event_type');
      expect(types.map((r) => r.event_type)).toStrictEqual([
        'kora.boot.failed',
        'kora.boot.ready',
        'kora.operational_state.transitioned',
        'kora.paused.cost_limit',
      ]);
    });

    it('the log is append-only: UPDATE, DELETE and TRUNCATE are refused by the database', async () => {
      const ws = freshWorkspace();
      await store.append(ws, events(3));
      for (const sql of [
        `UPDATE opstate.event_log SET payload_canonical = '{"n":42}' WHERE workspace_id = '${ws}' AND seq = 2`,
        `DELETE FROM opstate.event_log WHERE workspace_id = '${ws}' AND seq = 3`,
        'TRUNCATE opstate.event_log',
      ]) {
        await expect(store.raw(sql)).rejects.toThrow(/append-only/);
      }
      expect(await store.verify(ws)).toMatchObject({ ok: true, length: 3 });
    });

    it('an event type is refused by the foreign key even when the application is bypassed', async () => {
      await expect(
        store.raw(
          `INSERT INTO opstate.event_log (workspace_id, seq, event_type, payload_canonical, prev_hash, hash)
           VALUES ('raw', 1, 'kora.not.listed', '{}', sha256('a'), sha256('b'))`,
        ),
      ).rejects.toThrow(/foreign key/);
    });

    it('a type added to the vocabulary later is accepted, row by row, and an unknown one in the same batch refuses it all', async () => {
      // Its own database: event_types only grows, and other tests expect the seeded list.
      const own = await engine.openPrivate();
      try {
        // Seeded types skip the lookup; this one is checked against event_types like an unknown one.
        await own.raw("INSERT INTO opstate.event_types (event_type) VALUES ('kora.test.added_later')");
        const ws = freshWorkspace();
        const added = { eventType: 'kora.test.added_later', payload: { n: 0 } };
        await expect(
          own.append(ws, [added, { eventType: 'kora.test.never_added', payload: { n: 2 } }]),
        ).rejects.toMatchObject({ kind: 'unknown_event_type', eventType: 'kora.test.never_added' });
        expect(await own.read(ws)).toStrictEqual([]);
        await own.append(ws, [added, ...events(1)]);
        await own.append(ws, [added]);
        expect((await own.read(ws)).map((e) => e.eventType)).toStrictEqual([
          'kora.test.added_later',
          GENERIC_TRANSITION_EVENT,
          'kora.test.added_later',
        ]);
        expect(await own.verify(ws)).toMatchObject({ ok: true, length: 3 });
        // Bypassing the application: a seeded type goes in, a statement holding an unknown one does not.
        const direct = (rows: string) =>
          own.raw(`INSERT INTO opstate.event_log (workspace_id, seq, event_type, payload_canonical, prev_hash, hash)
                   SELECT w, s, t, '{}', sha256(s::text::bytea), sha256(t::bytea)
                     FROM (VALUES ${rows}) AS v(w, s, t)`);
        await direct("('raw-seeded', 1, 'kora.boot.ready')");
        await expect(
          direct("('raw-mixed', 1, 'kora.boot.ready'), ('raw-mixed', 2, 'kora.test.never_added')"),
        ).rejects.toThrow(/foreign key/);
        const counts = await own.raw(
          "SELECT workspace_id, count(*)::int AS n FROM opstate.event_log WHERE workspace_id LIKE 'raw-%' GROUP BY 1",
        );
        expect(counts).toStrictEqual([{ workspace_id: 'raw-seeded', n: 1 }]);
      } finally {
        await own.close();
      }
    });

    it('stores the exact hashed text once and offers jsonb for queries through the opstate.events view', async () => {
      const ws = freshWorkspace();
      await store.append(ws, [
        { eventType: GENERIC_TRANSITION_EVENT, payload: { z: 1, a: { trigger: 'x' } } },
      ]);
      const rows = await store.raw(
        `SELECT payload_canonical, payload->'a'->>'trigger' AS trigger, hash_version
           FROM opstate.events WHERE workspace_id = $1`,
        [ws],
      );
      expect(rows).toStrictEqual([
        { payload_canonical: '{"a":{"trigger":"x"},"z":1}', trigger: 'x', hash_version: 1 },
      ]);
    });

    it('names the seq and kind of tampering: an edited payload', async () => {
      const ws = freshWorkspace();
      await store.append(ws, events(5));
      await store.tamper([
        `UPDATE opstate.event_log SET payload_canonical = '{"n":3,"trigger":"forged"}' WHERE workspace_id = '${ws}' AND seq = 3`,
      ]);
      expect(await store.verify(ws)).toMatchObject({
        ok: false,
        length: 2,
        firstDivergence: { seq: 3, kind: 'hash_mismatch' },
      });
    });

    it('names the seq and kind of tampering: a deleted middle row', async () => {
      const ws = freshWorkspace();
      await store.append(ws, events(5));
      await store.tamper([`DELETE FROM opstate.event_log WHERE workspace_id = '${ws}' AND seq = 3`]);
      expect(await store.verify(ws)).toMatchObject({
        ok: false,
        length: 2,
        firstDivergence: { seq: 3, kind: 'gap' },
      });
    });

    it('names the seq and kind of tampering: two rows swapped', async () => {
      const ws = freshWorkspace();
      await store.append(ws, events(5));
      await store.tamper([
        `UPDATE opstate.event_log SET seq = 1000 WHERE workspace_id = '${ws}' AND seq = 2`,
        `UPDATE opstate.event_log SET seq = 2 WHERE workspace_id = '${ws}' AND seq = 3`,
        `UPDATE opstate.event_log SET seq = 3 WHERE workspace_id = '${ws}' AND seq = 1000`,
      ]);
      expect(await store.verify(ws)).toMatchObject({
        ok: false,
        length: 1,
        firstDivergence: { seq: 2, kind: 'link_break' },
      });
    });

    it('a row rewritten together with its hash still fails, on the next link', async () => {
      const ws = freshWorkspace();
      await store.append(ws, events(4));
      // Recompute seq 2's hash for the forged text: seq 3's prev_hash no longer matches it.
      await store.tamper([
        `UPDATE opstate.event_log SET payload_canonical = '{"n":2,"trigger":"forged"}',
           hash = sha256(prev_hash || int8send(seq) || convert_to(event_type, 'UTF8') || '\\x00'::bytea
                         || convert_to('{"n":2,"trigger":"forged"}', 'UTF8'))
         WHERE workspace_id = '${ws}' AND seq = 2`,
      ]);
      expect(await store.verify(ws)).toMatchObject({
        ok: false,
        firstDivergence: { seq: 3, kind: 'link_break' },
      });
    });

    it('a cut tail is caught by the head row', async () => {
      const ws = freshWorkspace();
      await store.append(ws, events(5));
      await store.tamper([`DELETE FROM opstate.event_log WHERE workspace_id = '${ws}' AND seq >= 4`]);
      expect(await store.verify(ws)).toMatchObject({
        ok: false,
        length: 3,
        firstDivergence: { seq: 4, kind: 'truncated' },
      });
    });

    it('verify streams a long chain in pages', async () => {
      const ws = freshWorkspace();
      // More than one VERIFY_PAGE_SIZE page.
      for (let b = 0; b < 6; b++) await store.append(ws, events(1000, b * 1000 + 1));
      const started = performance.now();
      const result = await store.verify(ws);
      const ms = performance.now() - started;
      expect(result).toMatchObject({ ok: true, length: 6000 });
      console.info(
        `[${engine.name}] verify of 6000 events: ${Math.round(ms)} ms (${Math.round(6000 / (ms / 1000))} events/s)`,
      );
    });
  });

  describe.skipIf(!engine.available)(`[${engine.name}] a planted fork`, () => {
    it('is reported as a fork at its seq (after dropping the primary key that forbids it)', async () => {
      const store = await engine.openPrivate();
      try {
        const ws = freshWorkspace();
        const appended = await store.append(ws, events(4));
        await store.raw('ALTER TABLE opstate.event_log DROP CONSTRAINT event_log_pkey');
        // A sibling of seq 3, validly hashed on seq 2: what a racing writer without the head lock makes.
        await store.tamper([
          `INSERT INTO opstate.event_log (workspace_id, seq, event_type, payload_canonical, prev_hash, hash)
           SELECT workspace_id, 3, event_type, '{"sibling":true}', prev_hash,
                  sha256(prev_hash || int8send(3::bigint) || convert_to(event_type, 'UTF8') || '\\x00'::bytea
                         || convert_to('{"sibling":true}', 'UTF8'))
             FROM opstate.event_log WHERE workspace_id = '${ws}' AND seq = 3`,
        ]);
        const result = await store.verify(ws);
        expect(result).toMatchObject({ ok: false, length: 3, firstDivergence: { seq: 3, kind: 'fork' } });
        expect(appended).toHaveLength(4);
        expect(await verifyChain(ws, [])).toMatchObject({ ok: true, length: 0 });
      } finally {
        await store.close();
      }
    });
  });
}
