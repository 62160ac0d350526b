/*
 * The shared verifier's tamper evidence: the head anchor (hole 1), the canonical-text check (hole 2),
 * ill-formed workspace ids (hole 3), and verifyChain over what `read` returns.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ChainEvent, ChainStoreError, createMemoryChainStore } from '../../src/index.js';
import {
  canonicalPayload,
  chainHash,
  genesisHash,
  nonCanonicalReason,
  streamChainEvents,
  toVerifiable,
  type VerifiableEvent,
  verifyChain,
  withVerifyProgress,
} from '../../src/store/chain/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';

const WS = 'org_verify';

async function chainOf(n: number, ws = WS) {
  const store = createMemoryChainStore();
  for (let i = 1; i <= n; i++) {
    await store.append(ws, [{ eventType: GENERIC_TRANSITION_EVENT, payload: { n: i, trigger: `t${i}` } }]);
  }
  return { store, events: await store.read(ws) };
}

/** Re-links `texts` as a chain from genesis, hashing the given text verbatim (canonical or not). */
function linked(texts: readonly string[], ws = WS): VerifiableEvent[] {
  let prev = genesisHash(ws);
  return texts.map((payloadCanonical, i) => {
    const hash = chainHash(prev, i + 1, GENERIC_TRANSITION_EVENT, payloadCanonical);
    const e = { seq: i + 1, eventType: GENERIC_TRANSITION_EVENT, prevHash: prev, hash, payloadCanonical };
    prev = hash;
    return e;
  });
}

describe('verifyChain over what read() returns (issue 16, item 3)', () => {
  it('accepts read() events as they are', async () => {
    const { store, events } = await chainOf(4);
    expect(await verifyChain(WS, await store.read(WS))).toStrictEqual({
      ok: true,
      length: 4,
      headHash: events[3]?.hash,
    });
  });

  it('detects an altered payload in read() events', async () => {
    const { events } = await chainOf(4);
    const tampered: ChainEvent[] = events.map((e) =>
      e.seq === 2 ? { ...e, payload: { n: 20, trigger: 't2' } } : e,
    );
    expect(await verifyChain(WS, tampered)).toMatchObject({
      ok: false,
      length: 1,
      firstDivergence: { seq: 2, kind: 'hash_mismatch' },
    });
  });
});

describe('streamChainEvents', () => {
  it('feeds verifyChain the whole chain, page by page', async () => {
    const { store, events } = await chainOf(25);
    expect(await verifyChain(WS, streamChainEvents(store, WS, { pageSize: 10 }))).toStrictEqual({
      ok: true,
      length: 25,
      headHash: events[24]?.hash,
    });
  });
});

describe('head anchor (hole 1)', () => {
  it('a forged insert in the middle, re-hashed to the end, fails at the head row', async () => {
    const texts = [1, 2, 3, 4, 5].map((n) => canonicalPayload({ n }));
    const honest = linked(texts);
    const head = { seq: 5, hash: honest[4]?.hash ?? '' };
    const forged = linked([...texts.slice(0, 2), canonicalPayload({ forged: true }), ...texts.slice(2)]);
    expect(await verifyChain(WS, forged)).toMatchObject({ ok: true, length: 6 });
    expect(await verifyChain(WS, forged, { head })).toMatchObject({
      ok: false,
      length: 4,
      firstDivergence: { seq: 5, kind: 'head_mismatch' },
    });
  });

  it('a cut tail is truncated at the first missing seq', async () => {
    const events = linked([1, 2, 3, 4, 5].map((n) => canonicalPayload({ n })));
    const head = { seq: 5, hash: events[4]?.hash ?? '' };
    expect(await verifyChain(WS, events.slice(0, 3), { head })).toMatchObject({
      ok: false,
      length: 3,
      firstDivergence: { seq: 4, kind: 'truncated' },
    });
    expect(await verifyChain(WS, events, { head })).toMatchObject({ ok: true, length: 5 });
  });

  it('rows appended after the head was read still verify', async () => {
    const events = linked([1, 2, 3, 4, 5].map((n) => canonicalPayload({ n })));
    expect(await verifyChain(WS, events, { head: { seq: 3, hash: events[2]?.hash ?? '' } })).toMatchObject({
      ok: true,
      length: 5,
    });
  });

  it('refuses a malformed head option, naming it', async () => {
    await expect(verifyChain(WS, [], { head: { seq: 0, hash: 'x' } })).rejects.toThrow(/head/);
  });
});

describe('canonical text (hole 2)', () => {
  it('non-canonical stored text is non_canonical at its seq, even with a matching hash', async () => {
    const events = linked([
      canonicalPayload({ n: 1 }),
      '{ "b":1.0, "a":"\u00e9"}',
      canonicalPayload({ n: 3 }),
    ]);
    expect(await verifyChain(WS, events)).toMatchObject({
      ok: false,
      length: 1,
      firstDivergence: { seq: 2, kind: 'non_canonical' },
    });
  });

  it.each([
    ['whitespace', '{ "a":1}'],
    ['a non-shortest number', '{"a":1.0}'],
    ['an exponent JCS would not write', '{"a":1e2}'],
    ['negative zero', '{"a":-0}'],
    ['keys out of order', '{"b":1,"a":2}'],
    ['a duplicate key', '{"a":1,"a":2}'],
    ['an unnecessary \\u escape', '{"a":"\\u00e9"}'],
    ['\\u where a short escape exists', '{"a":"\\u000a"}'],
    ['an escaped slash', '{"a":"\\/"}'],
    ['uppercase hex in an escape', '{"a":"\\u001F"}'],
    ['a lone surrogate escape', '{"a":"\\ud800"}'],
    ['a raw control character', '{"a":"\u0001"}'],
    ['trailing text', '{"a":1} '],
    ['not an object', '[1]'],
    ['an integer beyond 2^53', '{"a":9007199254740993}'],
    ['nested whitespace', '{"a":[1, 2]}'],
  ])('flags %s', (_label, text) => {
    expect(nonCanonicalReason(text)).not.toBeNull();
  });

  it.each([
    ['escapes JCS writes', canonicalPayload({ a: '"\\\b\f\n\r\t\u0001\u001f\u007f/é😀' })],
    ['UTF-16 key order (astral before U+FFFF)', canonicalPayload({ '\uffff': 1, '😀': 2, a: 3 })],
    [
      'numbers',
      canonicalPayload({ a: [0, -1, 0.1, 5e-324, 1.7976931348623157e-300, 1e-7, 123.456, -0, 2 ** 53 - 1] }),
    ],
    ['empty containers', '{"a":{},"b":[],"c":""}'],
  ])('accepts %s', (_label, text) => {
    expect(nonCanonicalReason(text)).toBeNull();
  });

  it('accepts every canonical text, and agrees with canonicalize on re-serialized ones', () => {
    const json = fc.jsonValue({ noUnicodeString: false }).filter((v) => JSON.stringify(v) !== undefined);
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'grapheme' }), json), (obj) => {
        let canonical: string;
        try {
          canonical = canonicalPayload(obj);
        } catch {
          return; // outside the payload domain (e.g. -0 is fine, but huge integers are refused)
        }
        expect(nonCanonicalReason(canonical)).toBeNull();
        const pretty = JSON.stringify(JSON.parse(canonical), null, 1);
        expect(nonCanonicalReason(pretty) === null).toBe(pretty === canonical);
      }),
      { numRuns: 100 },
    );
  });
});

describe('workspace ids (hole 3)', () => {
  it('ill-formed ids are refused instead of colliding', async () => {
    for (const ws of ['ws-\ud800', 'ws-\udbff', 'ws-\udc00x', 'nul\u0000']) {
      expect(() => genesisHash(ws)).toThrow(ChainStoreError);
      const store = createMemoryChainStore();
      const err = await store
        .append(ws, [{ eventType: GENERIC_TRANSITION_EVENT, payload: { n: 1 } }])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChainStoreError);
      expect(err).toMatchObject({ kind: 'invalid_input' });
      expect((err as Error).message).toContain(JSON.stringify(ws));
    }
    expect(genesisHash('ws-\ud83d\ude00')).not.toBe(genesisHash('ws-\ufffd'));
  });
});

describe('progress', () => {
  it('reports to withVerifyProgress from inside a store verify', async () => {
    const { store } = await chainOf(9000);
    const seen: [number, number | undefined][] = [];
    const result = await withVerifyProgress(
      (n, total) => seen.push([n, total]),
      () => store.verify(WS),
    );
    expect(result.ok).toBe(true);
    expect(seen).toStrictEqual([
      [4096, 9000],
      [8192, 9000],
      [9000, 9000],
    ]);
  });

  it('toVerifiable still adapts read() events', async () => {
    const { events } = await chainOf(2);
    expect(await verifyChain(WS, events.map(toVerifiable))).toMatchObject({ ok: true, length: 2 });
  });
});

describe('resuming from a verified head (a follower feeds only what is new)', () => {
  it('gives the same verdict as a walk from genesis, and still sees a tampered row after the resume point', async () => {
    const { events } = await chainOf(10);
    const first = await verifyChain(WS, events.slice(0, 6));
    if (!first.ok) throw new Error('the first six must verify');
    const resumed = await verifyChain(WS, events.slice(6), {
      resume: { seq: first.length, hash: first.headHash },
    });
    expect(resumed).toEqual(await verifyChain(WS, events));

    const tampered = events.map((e) => (e.seq === 8 ? { ...e, payload: { ...e.payload, n: 80 } } : e));
    expect(
      await verifyChain(WS, tampered.slice(6), { resume: { seq: first.length, hash: first.headHash } }),
    ).toMatchObject({ ok: false, length: 7, firstDivergence: { seq: 8, kind: 'hash_mismatch' } });
  });

  it('refuses a resume point that is not a seq and a hash', async () => {
    await expect(verifyChain(WS, [], { resume: { seq: 0, hash: 'x' } })).rejects.toThrow(ChainStoreError);
  });
});
