import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHAIN_EVENT_TYPES,
  type ChainStore,
  ChainStoreError,
  createMemoryChainStore,
} from '../../src/index.js';
import {
  type ChainEventInput,
  canonicalPayload,
  chainHash,
  genesisHash,
  toVerifiable,
  verifyChain,
} from '../../src/store/chain/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { engines, freshWorkspace } from '../support/engines.js';

const generic = (payload: Record<string, string | number>, idempotencyKey?: string): ChainEventInput => ({
  eventType: GENERIC_TRANSITION_EVENT,
  payload,
  ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
});

for (const engine of engines) {
  describe.skipIf(!engine.available)(`[${engine.name}] chain store contract`, () => {
    let store: ChainStore;
    beforeAll(async () => {
      store = await engine.open();
    });
    afterAll(async () => {
      await store.close();
    });

    it('lists the workspaces that have a chain, sorted', async () => {
      const [a, b] = [freshWorkspace(), freshWorkspace()].sort();
      await store.append(b as string, [generic({ n: 1 })]);
      await store.append(a as string, [generic({ n: 1 })]);
      const listed = (await store.workspaces?.()) ?? [];
      expect(listed).toEqual(expect.arrayContaining([a, b]));
      expect(listed).toStrictEqual([...listed].sort());
    });

    it('hashes exactly like chainHash and the memory store, and verifyChain accepts what it stores', async () => {
      const ws = freshWorkspace();
      const inputs = CHAIN_EVENT_TYPES.map((eventType, i) => ({
        eventType,
        payload: { i, trigger: `t${i}`, nested: { b: [1, 2.5, 'x'], a: null } },
        correlationId: `c${i}`,
        idempotencyKey: `k${i}`,
      }));
      const appended = await store.append(ws, inputs);
      const reference = await createMemoryChainStore().append(ws, inputs);
      expect(appended.map((e) => e.hash)).toStrictEqual(reference.map((e) => e.hash));
      let prev = genesisHash(ws);
      for (const [i, e] of appended.entries()) {
        expect(e).toMatchObject({ seq: i + 1, prevHash: prev, duplicate: false, workspaceId: ws });
        expect(e.hash).toBe(chainHash(prev, i + 1, e.eventType, canonicalPayload(inputs[i]?.payload)));
        expect(e.correlationId).toBe(`c${i}`);
        expect(e.idempotencyKey).toBe(`k${i}`);
        expect(e.eventId).toMatch(/^[0-9a-f-]{36}$/);
        expect(Number.isNaN(Date.parse(e.occurredAt))).toBe(false);
        prev = e.hash;
      }
      const read = await store.read(ws);
      expect(read.map((e) => e.hash)).toStrictEqual(appended.map((e) => e.hash));
      expect(read[0]?.payload).toStrictEqual(inputs[0]?.payload);
      expect(await verifyChain(ws, read.map(toVerifiable))).toStrictEqual({
        ok: true,
        length: 4,
        headHash: prev,
      });
      expect(await store.verify(ws)).toStrictEqual({ ok: true, length: 4, headHash: prev });
    });

    it('returns plain objects: the fields a read returns, in its order, then duplicate', async () => {
      const ws = freshWorkspace();
      const [appended] = await store.append(ws, [generic({ b: 'two', a: 1 }, 'plain-1')]);
      const [read] = await store.read(ws);
      expect(Object.getPrototypeOf(appended)).toBe(Object.prototype);
      expect(Object.keys(appended ?? {})).toStrictEqual([...Object.keys(read ?? {}), 'duplicate']);
      expect(appended?.payload).toStrictEqual({ a: 1, b: 'two' });
      expect(Object.isFrozen(appended?.payload)).toBe(true);
      // Equal to a plain copy of itself under the strictest comparisons users write.
      const copy = JSON.parse(JSON.stringify(appended)) as unknown;
      expect(appended).toStrictEqual(copy);
      const { isDeepStrictEqual } = await import('node:util');
      expect(isDeepStrictEqual(appended, copy)).toBe(true);
      expect({ ...appended, duplicate: undefined }).toStrictEqual({ ...read, duplicate: undefined });
      // A caller may freeze what it got (state libraries do): the payload still reads, as one object.
      const [frozen] = await store.append(ws, [generic({ c: 3 }, 'plain-2')]);
      Object.freeze(frozen);
      expect(frozen?.payload).toStrictEqual({ c: 3 });
      expect(frozen?.payload).toBe(frozen?.payload);
    });

    it('re-appending an idempotency key returns the original row with duplicate: true and writes nothing', async () => {
      const ws = freshWorkspace();
      const [first] = await store.append(ws, [generic({ n: 1 }, 'key-1')]);
      const again = await store.append(ws, [generic({ n: 999 }, 'key-1'), generic({ n: 2 }, 'key-2')]);
      expect(again[0]).toMatchObject({ duplicate: true, seq: 1, hash: first?.hash, eventId: first?.eventId });
      expect(again[0]?.payload).toStrictEqual({ n: 1 });
      expect(again[1]).toMatchObject({ duplicate: false, seq: 2 });
      // A key repeated inside one batch is written once.
      const inBatch = await store.append(ws, [generic({ n: 3 }, 'key-3'), generic({ n: 3 }, 'key-3')]);
      expect(inBatch.map((e) => [e.seq, e.duplicate])).toStrictEqual([
        [3, false],
        [3, true],
      ]);
      expect((await store.read(ws)).map((e) => e.seq)).toStrictEqual([1, 2, 3]);
      expect(await store.verify(ws)).toMatchObject({ ok: true, length: 3 });
    });

    it('refuses an event type outside the vocabulary, all or nothing, naming it', async () => {
      const ws = freshWorkspace();
      await store.append(ws, [generic({ n: 1 })]);
      const err = await store
        .append(ws, [generic({ n: 2 }), { eventType: 'kora.made.up', payload: {} }])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChainStoreError);
      expect((err as ChainStoreError).kind).toBe('unknown_event_type');
      expect((err as ChainStoreError).eventType).toBe('kora.made.up');
      expect((err as ChainStoreError).message).toContain('kora.made.up');
      expect(await store.verify(ws)).toMatchObject({ ok: true, length: 1 });
    });

    it('a batch of hundreds with known keys deep inside it returns those originals and writes the rest gap-free', async () => {
      const ws = freshWorkspace();
      await store.append(
        ws,
        ['a', 'b', 'c'].map((k, n) => generic({ n }, `key-${k}`)),
      );
      const keyOf = (i: number) =>
        i === 150 ? 'key-c' : i === 249 ? 'key-a' : i === 170 ? 'big-160' : `big-${i}`;
      const batch = Array.from({ length: 250 }, (_, i) => generic({ i }, keyOf(i)));
      const appended = await store.append(ws, batch);
      expect(appended.filter((e) => e.duplicate).map((e) => [e.idempotencyKey, e.seq])).toStrictEqual([
        ['key-c', 3],
        ['big-160', 163],
        ['key-a', 1],
      ]);
      const fresh = appended.filter((e) => !e.duplicate);
      expect(fresh.map((e) => e.seq)).toStrictEqual(Array.from({ length: 247 }, (_, k) => 4 + k));
      const read = await store.read(ws);
      expect(read.map((e) => e.seq)).toStrictEqual(Array.from({ length: 250 }, (_, k) => 1 + k));
      for (const e of fresh) {
        const stored = read[e.seq - 1];
        expect([e.hash, e.prevHash, e.eventId, e.payload]).toStrictEqual([
          stored?.hash,
          stored?.prevHash,
          stored?.eventId,
          stored?.payload,
        ]);
      }
      // Retrying the whole batch (its first attempt landed) writes nothing and returns every original.
      const retried = await store.append(ws, batch);
      expect(retried.map((e) => [e.duplicate, e.seq])).toStrictEqual(appended.map((e) => [true, e.seq]));
      expect(await store.verify(ws)).toMatchObject({ ok: true, length: 250 });
    });

    it('refuses an event type outside the vocabulary deep inside a batch of hundreds, naming it, writing nothing', async () => {
      const ws = freshWorkspace();
      await store.append(ws, [generic({ n: 1 })]);
      const batch: ChainEventInput[] = Array.from({ length: 250 }, (_, i) => generic({ i }));
      batch[230] = { eventType: 'kora.made.up', payload: { i: 230 } };
      const err = await store.append(ws, batch).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChainStoreError);
      expect((err as ChainStoreError).kind).toBe('unknown_event_type');
      expect((err as ChainStoreError).eventType).toBe('kora.made.up');
      expect(await store.verify(ws)).toMatchObject({ ok: true, length: 1 });
      expect((await store.read(ws)).length).toBe(1);
    });

    it('reads page by seq and filter by event-type prefix', async () => {
      const ws = freshWorkspace();
      const types = [
        GENERIC_TRANSITION_EVENT,
        'kora.boot.ready',
        GENERIC_TRANSITION_EVENT,
        'kora.boot.failed',
      ];
      for (let round = 0; round < 3; round++) {
        await store.append(
          ws,
          types.map((eventType, i) => ({ eventType, payload: { round, i } })),
        );
      }
      const seqs: number[] = [];
      let after = 0;
      for (;;) {
        const page = await store.read(ws, { afterSeq: after, limit: 5 });
        if (page.length === 0) break;
        seqs.push(...page.map((e) => e.seq));
        after = page[page.length - 1]?.seq ?? after;
      }
      expect(seqs).toStrictEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      const boots = await store.read(ws, { eventTypePrefix: 'kora.boot.' });
      expect(boots.map((e) => e.seq)).toStrictEqual([2, 4, 6, 8, 10, 12]);
      expect((await store.read(ws, { eventTypePrefix: 'kora.boot.', afterSeq: 8, limit: 1 }))[0]?.seq).toBe(
        10,
      );
      await expect(store.read(ws, { limit: 0 })).rejects.toBeInstanceOf(ChainStoreError);
      await expect(store.read(ws, { afterSeq: -1 })).rejects.toBeInstanceOf(ChainStoreError);
    });

    it('stores hostile text verbatim (quotes, SQL, unicode, a 4 KiB trigger) and verifies it', async () => {
      const ws = freshWorkspace("ws-'quoted'; DROP TABLE opstate.event_log; --");
      const hostile = [
        `it's "quoted" \\ back\\slash`,
        "'); DELETE FROM opstate.event_log; --",
        'émoji 😀 astral 𝄞 rtl שלום combining é zero-width\u200b',
        '\u2028line\u2029separators\t\n\r',
        'x'.repeat(4096),
        '日本語'.repeat(455),
      ];
      const appended = await store.append(
        ws,
        hostile.map((trigger, i) => ({
          eventType: GENERIC_TRANSITION_EVENT,
          payload: { trigger, [trigger.slice(0, 50)]: i },
        })),
      );
      const reference = await createMemoryChainStore().append(
        ws,
        hostile.map((trigger, i) => ({
          eventType: GENERIC_TRANSITION_EVENT,
          payload: { trigger, [trigger.slice(0, 50)]: i },
        })),
      );
      expect(appended.map((e) => e.hash)).toStrictEqual(reference.map((e) => e.hash));
      const read = await store.read(ws);
      expect(read.map((e) => e.payload.trigger)).toStrictEqual(hostile);
      expect(await store.verify(ws)).toMatchObject({ ok: true, length: hostile.length });
    });

    it('reports an unknown workspace and refuses bad input naming it', async () => {
      const ws = freshWorkspace('never-written');
      expect(await store.verify(ws)).toStrictEqual({
        ok: false,
        length: 0,
        firstDivergence: {
          seq: 0,
          kind: 'unknown_workspace',
          detail: `no chain for workspace ${JSON.stringify(ws)}`,
        },
      });
      await expect(store.append('', [generic({ n: 1 })])).rejects.toMatchObject({ kind: 'invalid_input' });
      await expect(
        store.append(ws, [{ eventType: GENERIC_TRANSITION_EVENT, payload: { n: Number.NaN } }]),
      ).rejects.toMatchObject({ kind: 'invalid_input' });
      expect(await store.verify(ws)).toMatchObject({ ok: false });
    });
  });
}
