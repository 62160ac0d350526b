import canonicalize from 'canonicalize';
import { nonCanonicalReason } from '../../src/store/chain/canonical-check.js';
import { chainHash, genesisHash } from '../../src/store/chain/hash.js';
import { type VerifiableEvent, verifyChain } from '../../src/store/chain/verify.js';
import { createMemoryChainStore } from '../../src/store/memory/memory-store.js';
import { type BenchSettings, type CaseResult, medians, ratioCase } from '../harness.js';

const N = 2000;
const WS = 'bench-canonical';

/** Realistic rows: the demo's transition payload shape, stored text as the stores keep it. */
async function rows(): Promise<VerifiableEvent[]> {
  const store = createMemoryChainStore();
  for (let i = 0; i < N; i++) {
    await store.append(WS, [
      {
        eventType: 'kora.operational_state.transitioned',
        payload: {
          from_primary_state: 'ready',
          to_primary_state: 'active',
          claim_permission: 'normal',
          degradation_reasons: i % 3 === 0 ? ['substrate'] : [],
          trigger: `claimed work item ${i} (cost 42.5%, queue depth ${i % 17})`,
          emitted_at: new Date(1_700_000_000_000 + i).toISOString(),
        },
      },
    ]);
  }
  const out: VerifiableEvent[] = [];
  for (const e of await store.read(WS, { limit: N })) {
    out.push({ ...e, payloadCanonical: canonicalize(e.payload) ?? '' });
  }
  return out;
}

/**
 * What the non_canonical check adds to verify, per event: the one-pass checker against SHA-256 of the
 * same row (the floor of any verifier), and against the obvious alternative `canonicalize(JSON.parse(t))`.
 */
export async function canonicalCheck(s: BenchSettings): Promise<CaseResult[]> {
  const events = await rows();
  const genesis = genesisHash(WS);
  const t = await medians(s, {
    hashOnly: () => {
      let prev = genesis;
      for (const e of events) prev = chainHash(prev, e.seq, e.eventType, e.payloadCanonical);
      return prev;
    },
    check: () => {
      let bad = 0;
      for (const e of events) if (nonCanonicalReason(e.payloadCanonical) !== null) bad++;
      return bad;
    },
    reserialize: () => {
      let bad = 0;
      for (const e of events) if (canonicalize(JSON.parse(e.payloadCanonical)) !== e.payloadCanonical) bad++;
      return bad;
    },
    verify: () => verifyChain(WS, events),
  });
  const perEvent = (ms: number | undefined) => ((ms ?? 0) * 1000) / N;
  const hashOnly = perEvent(t.hashOnly);
  return [
    ratioCase({
      name: 'canonical check per event (one pass)',
      value: perEvent(t.check),
      unit: 'µs/event',
      baseline: 'SHA-256 chain hash of the same row',
      baselineValue: hashOnly,
      target: null,
      better: 'lower',
      targetRatio: null,
      note: `canonicalize(JSON.parse(text)) instead: ${perEvent(t.reserialize).toFixed(2)} µs/event`,
    }),
    ratioCase({
      name: 'verifyChain per event (link, canonical check, hash)',
      value: perEvent(t.verify),
      unit: 'µs/event',
      baseline: 'SHA-256 chain hash of the same row',
      baselineValue: hashOnly,
      target: null,
      better: 'lower',
      targetRatio: null,
    }),
  ];
}
