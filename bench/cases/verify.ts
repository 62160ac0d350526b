import { randomUUID } from 'node:crypto';
import { GENERIC_TRANSITION_EVENT } from '../../src/domain/vocabulary.js';
import type { ChainEvent } from '../../src/store/chain/types.js';
import { type VerifiableEvent, verifyChain } from '../../src/store/chain/verify.js';
import { canonicalPayload } from '../../src/store/chain/canonical-json.js';
import { type BenchSettings, type CaseResult, median, ratioCase } from '../harness.js';
import type { Subject } from './subjects.js';

const BUILD_BATCH = 10_000;
/** Events loaded into memory for the baseline: enough for a stable rate, small enough for the heap. */
const BASELINE_EVENTS = 200_000;

function payload(i: number) {
  return {
    claim_permission: 'normal',
    degradation_reasons: [],
    from_primary_state: 'ready',
    to_primary_state: 'ready',
    trigger: `posture update #${i}`,
  };
}

/**
 * Builds (or, on PostgreSQL, reuses from an earlier run) a chain of `length` events through the store's
 * own append (`opstate.chain_append`, big batches), so it is a chain the store itself wrote.
 */
async function chainOf(subject: Subject, length: number, reuse: boolean): Promise<string> {
  const ws = reuse ? `bench-verify-${length}` : `bench-verify-${length}-${randomUUID()}`;
  const store = subject.store;
  let have = 0;
  if (reuse) {
    const check = await store.verify(ws);
    if (check.ok && check.length === length) return ws;
    if (!check.ok && check.firstDivergence.kind !== 'unknown_workspace') {
      throw new Error(`bench chain ${ws} exists but does not verify; drop it and rerun`);
    }
    have = check.ok ? check.length : 0;
  }
  for (let at = have; at < length; at += BUILD_BATCH) {
    const n = Math.min(BUILD_BATCH, length - at);
    await store.append(
      ws,
      Array.from({ length: n }, (_, k) => ({
        eventType: GENERIC_TRANSITION_EVENT,
        payload: payload(at + k),
        idempotencyKey: `${ws}:${at + k}`,
      })),
    );
  }
  return ws;
}

async function loadVerifiable(subject: Subject, ws: string, limit: number): Promise<VerifiableEvent[]> {
  const out: VerifiableEvent[] = [];
  let after = 0;
  while (out.length < limit) {
    const page: ChainEvent[] = await subject.store.read(ws, {
      afterSeq: after,
      limit: Math.min(10_000, limit - out.length),
    });
    if (page.length === 0) break;
    for (const e of page) {
      out.push({
        seq: e.seq,
        eventType: e.eventType,
        prevHash: e.prevHash,
        hash: e.hash,
        payloadCanonical: canonicalPayload(e.payload, e.eventType),
      });
    }
    after = page[page.length - 1]?.seq ?? after;
  }
  return out;
}

/**
 * Verify throughput: `store.verify(ws)` (stream pages from the database, recompute every hash) on a long
 * chain. Baseline: `verifyChain` over events already in memory, i.e. the hashing alone with no I/O.
 */
export async function verifyCase(s: BenchSettings, subject: Subject): Promise<CaseResult> {
  const length = subject.label === 'PostgreSQL' ? (s.quick ? 50_000 : 1_000_000) : s.quick ? 10_000 : 100_000;
  const t0 = performance.now();
  const ws = await chainOf(subject, length, subject.label === 'PostgreSQL');
  const buildSeconds = (performance.now() - t0) / 1000;

  const runs = s.quick ? 1 : 3;
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    const result = await subject.store.verify(ws);
    times.push(performance.now() - t);
    if (!result.ok || result.length !== length) throw new Error(`bench chain ${ws} failed to verify`);
  }
  const value = length / (median(times) / 1000);

  const inMemory = await loadVerifiable(subject, ws, Math.min(length, BASELINE_EVENTS));
  const baseTimes: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    const result = await verifyChain(ws, inMemory);
    baseTimes.push(performance.now() - t);
    if (!result.ok && result.firstDivergence.kind !== 'gap') throw new Error('in-memory verify failed');
  }
  const baselineValue = inMemory.length / (median(baseTimes) / 1000);

  return {
    ...ratioCase({
      name: `verify a ${length.toLocaleString('en-US')}-event chain, ${subject.label}`,
      value,
      unit: 'events/s',
      baseline: `verifyChain over ${inMemory.length.toLocaleString('en-US')} events in memory`,
      baselineValue,
      target: '≥ 200,000 events/s',
      better: 'higher',
      targetRatio: null,
    }),
    met: value >= 200_000,
    note: `chain ${buildSeconds < 1 ? 'reused from an earlier run' : `built in ${buildSeconds.toFixed(1)} s`}`,
  };
}
