import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ChainEvent, ChainStoreError, createMemoryChainStore } from '../../src/index.js';
import { canonicalPayload, toVerifiable, verifyChain } from '../../src/store/chain/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';

const WS = 'org_chain';
const payload = (n: number) => ({ n, trigger: `t${n}` });

/** The README's chain format, computed here independently of src/store/hash.ts. */
function expectedHash(prevHex: string, seq: number, type: string, canonical: string): string {
  const seqBytes = Buffer.alloc(8);
  seqBytes.writeBigUInt64BE(BigInt(seq));
  return createHash('sha256')
    .update(
      Buffer.concat([
        Buffer.from(prevHex, 'hex'),
        seqBytes,
        Buffer.from(type, 'utf8'),
        Buffer.from([0]),
        Buffer.from(canonical, 'utf8'),
      ]),
    )
    .digest('hex');
}

async function chainOf(n: number, ws = WS) {
  const store = createMemoryChainStore();
  for (let i = 1; i <= n; i++)
    await store.append(ws, [{ eventType: GENERIC_TRANSITION_EVENT, payload: payload(i) }]);
  return { store, events: await store.read(ws) };
}

describe('memory chain store', () => {
  it('hashes exactly as the README specifies, from a workspace-bound genesis', async () => {
    const { events } = await chainOf(2);
    const genesis = createHash('sha256').update(`genesis:${WS}`).digest('hex');
    expect(events[0]?.prevHash).toBe(genesis);
    expect(events[0]?.hash).toBe(
      expectedHash(genesis, 1, GENERIC_TRANSITION_EVENT, '{"n":1,"trigger":"t1"}'),
    );
    expect(events[1]?.prevHash).toBe(events[0]?.hash);
    expect(events[1]?.hash).toBe(
      expectedHash(events[0]?.hash ?? '', 2, GENERIC_TRANSITION_EVENT, '{"n":2,"trigger":"t2"}'),
    );
  });

  it('canonicalizes per RFC 8785: sorted keys, ES number form, no whitespace', () => {
    expect(canonicalPayload({ b: 1e-7, a: [0.1 + 0.2, -0, 'é'], c: { z: null, y: true } })).toBe(
      '{"a":[0.30000000000000004,0,"é"],"b":1e-7,"c":{"y":true,"z":null}}',
    );
  });

  it('numbers seqs 1, 2, 3… per workspace, independently', async () => {
    const store = createMemoryChainStore();
    await store.append('a', [{ eventType: GENERIC_TRANSITION_EVENT, payload: payload(1) }]);
    const b = await store.append('b', [
      { eventType: GENERIC_TRANSITION_EVENT, payload: payload(1) },
      { eventType: 'kora.boot.ready', payload: payload(1) },
    ]);
    expect(b.map((e) => e.seq)).toStrictEqual([1, 2]);
    expect((await store.verify('a')).ok).toBe(true);
    expect((await store.verify('b')).ok).toBe(true);
  });

  it('re-appending an idempotency key returns the original row and writes nothing', async () => {
    const store = createMemoryChainStore();
    const [first] = await store.append(WS, [
      { eventType: GENERIC_TRANSITION_EVENT, payload: payload(1), idempotencyKey: 'k1' },
    ]);
    const again = await store.append(WS, [
      { eventType: GENERIC_TRANSITION_EVENT, payload: payload(1), idempotencyKey: 'k1' },
      { eventType: GENERIC_TRANSITION_EVENT, payload: payload(2), idempotencyKey: 'k2' },
    ]);
    expect(first?.duplicate).toBe(false);
    expect(again[0]).toStrictEqual({ ...first, duplicate: true });
    expect(again[1]).toMatchObject({ seq: 2, duplicate: false });
    expect(await store.read(WS)).toHaveLength(2);
  });

  it('is all or nothing: one bad event refuses the whole batch', async () => {
    const store = createMemoryChainStore();
    const bad = store.append(WS, [
      { eventType: GENERIC_TRANSITION_EVENT, payload: payload(1) },
      { eventType: 'kora.invented.literal', payload: payload(2) },
    ]);
    await expect(bad).rejects.toMatchObject({
      kind: 'unknown_event_type',
      eventType: 'kora.invented.literal',
    });
    expect(await store.read(WS)).toStrictEqual([]);
  });

  it.each([
    ['NaN', { x: Number.NaN }, /\$\.x is NaN/],
    ['an unsafe integer', { x: 2 ** 53 + 2 }, /beyond 2\^53/],
    ['a Date', { x: new Date(0) }, /\$\.x is a Date object/],
    ['undefined in an array', { x: [1, undefined] }, /\$\.x\[1\] is undefined/],
    ['a lone surrogate', { x: '\ud800' }, /surrogate/i],
  ])('refuses a payload holding %s, naming where', async (_l, bad, message) => {
    const store = createMemoryChainStore();
    const err = await store
      .append(WS, [{ eventType: GENERIC_TRANSITION_EVENT, payload: bad as never }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChainStoreError);
    expect((err as Error).message).toMatch(message);
  });

  it('refuses a missing workspace and bad read options by name', async () => {
    const store = createMemoryChainStore();
    await expect(store.append('', [])).rejects.toThrow(/workspaceId/);
    await expect(store.read(WS, { limit: 0 })).rejects.toThrow(/limit/);
    await expect(store.read(WS, { afterSeq: -1 })).rejects.toThrow(/afterSeq/);
  });

  it('reads by seq page and by event-type prefix', async () => {
    const store = createMemoryChainStore();
    for (let i = 1; i <= 5; i++) {
      await store.append(WS, [
        { eventType: GENERIC_TRANSITION_EVENT, payload: payload(i) },
        { eventType: 'kora.boot.ready', payload: payload(i) },
      ]);
    }
    expect((await store.read(WS, { afterSeq: 3, limit: 3 })).map((e) => e.seq)).toStrictEqual([4, 5, 6]);
    const boot = await store.read(WS, { eventTypePrefix: 'kora.boot.' });
    expect(boot.map((e) => e.seq)).toStrictEqual([2, 4, 6, 8, 10]);
    expect(
      (await store.read(WS, { eventTypePrefix: 'kora.boot.', afterSeq: 4, limit: 2 })).map((e) => e.seq),
    ).toStrictEqual([6, 8]);
  });

  it('returns frozen copies: callers cannot corrupt the chain', async () => {
    const { store, events } = await chainOf(1);
    expect(() => {
      (events[0]?.payload as { n: number }).n = 99;
    }).toThrow(TypeError);
    expect((await store.verify(WS)).ok).toBe(true);
  });

  it('reports an unknown workspace', async () => {
    const store = createMemoryChainStore();
    expect(await store.verify('nobody')).toMatchObject({
      ok: false,
      firstDivergence: { kind: 'unknown_workspace' },
    });
  });

  it('refuses work once closed', async () => {
    const store = createMemoryChainStore();
    await store.close();
    await expect(store.read(WS)).rejects.toMatchObject({ kind: 'closed' });
  });
});

describe('verifyChain', () => {
  const tamper = (events: ChainEvent[], i: number, change: Partial<ChainEvent>) =>
    events.map((e, j) => (j === i ? { ...e, ...change } : e)).map(toVerifiable);

  it('accepts a healthy chain and reports its head', async () => {
    const { events } = await chainOf(5);
    expect(await verifyChain(WS, events.map(toVerifiable))).toStrictEqual({
      ok: true,
      length: 5,
      headHash: events[4]?.hash,
    });
  });

  it('finds an altered payload as a hash mismatch at its seq', async () => {
    const { events } = await chainOf(5);
    const r = await verifyChain(WS, tamper(events, 2, { payload: { n: 3, trigger: 'T3' } }));
    expect(r).toMatchObject({ ok: false, length: 2, firstDivergence: { seq: 3, kind: 'hash_mismatch' } });
  });

  it('finds a row rewritten with a fresh stored hash as a link break on the next row', async () => {
    const { events } = await chainOf(5);
    const forged = { n: 3, trigger: 'forged' };
    const forgedHash = expectedHash(
      events[1]?.hash ?? '',
      3,
      GENERIC_TRANSITION_EVENT,
      canonicalPayload(forged),
    );
    const r = await verifyChain(WS, tamper(events, 2, { payload: forged, hash: forgedHash }));
    expect(r).toMatchObject({ ok: false, length: 3, firstDivergence: { seq: 4, kind: 'link_break' } });
  });

  it('finds a deleted row as a gap, and deleted leading rows too', async () => {
    const { events } = await chainOf(5);
    const withoutThird = events.filter((e) => e.seq !== 3).map(toVerifiable);
    expect(await verifyChain(WS, withoutThird)).toMatchObject({
      ok: false,
      firstDivergence: { seq: 3, kind: 'gap' },
    });
    const withoutFirst = events.slice(1).map(toVerifiable);
    expect(await verifyChain(WS, withoutFirst)).toMatchObject({
      ok: false,
      length: 0,
      firstDivergence: { seq: 1, kind: 'gap' },
    });
  });

  it('finds two rows claiming one seq as a fork', async () => {
    const { events } = await chainOf(3);
    const forked = [
      events[0],
      events[1],
      { ...events[1], payload: { n: 9, trigger: 'sibling' } } as ChainEvent,
      events[2],
    ];
    const r = await verifyChain(
      WS,
      forked.map((e) => toVerifiable(e as ChainEvent)),
    );
    expect(r).toMatchObject({ ok: false, firstDivergence: { seq: 2, kind: 'fork' } });
  });

  it('binds the chain to its workspace: the same rows fail under another workspace', async () => {
    const { events } = await chainOf(2);
    expect(await verifyChain('other', events.map(toVerifiable))).toMatchObject({
      ok: false,
      firstDivergence: { seq: 1, kind: 'link_break' },
    });
  });

  it('streams: an async iterable of a large chain verifies in constant memory', async () => {
    const store = createMemoryChainStore();
    const n = 2000;
    for (let i = 0; i < n; i += 100) {
      await store.append(
        WS,
        Array.from({ length: 100 }, (_, j) => ({
          eventType: GENERIC_TRANSITION_EVENT,
          payload: payload(i + j),
        })),
      );
    }
    async function* pages() {
      let after = 0;
      for (;;) {
        const page = await store.read(WS, { afterSeq: after, limit: 250 });
        if (page.length === 0) return;
        for (const e of page) yield toVerifiable(e);
        after = page.at(-1)?.seq ?? after;
      }
    }
    expect(await verifyChain(WS, pages())).toMatchObject({ ok: true, length: n });
  });
});
