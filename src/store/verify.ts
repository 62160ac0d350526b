import { canonicalPayload } from './canonical-json.js';
import { chainHash, genesisHash } from './hash.js';
import type { ChainDivergence, ChainEvent, VerifyResult } from './types.js';

/** The fields a verifier needs: a store that keeps the hashed text hands it over verbatim. */
export interface VerifiableEvent {
  readonly seq: number;
  readonly eventType: string;
  readonly prevHash: string;
  readonly hash: string;
  /** The exact RFC 8785 text that was hashed. */
  readonly payloadCanonical: string;
}

/** Adapts a stored event whose payload is an object (memory store, `read()` results). */
export function toVerifiable(event: ChainEvent): VerifiableEvent {
  return {
    seq: event.seq,
    eventType: event.eventType,
    prevHash: event.prevHash,
    hash: event.hash,
    payloadCanonical: canonicalPayload(event.payload, event.eventType),
  };
}

/**
 * Verifies one workspace's chain from genesis. `events` must come in ascending seq order; it is consumed
 * as a stream, so a million-event chain needs constant memory. Every link is chained on the *recomputed*
 * hash, never the stored one, so a row rewritten together with its stored hash still fails.
 */
export async function verifyChain(
  workspaceId: string,
  events: Iterable<VerifiableEvent> | AsyncIterable<VerifiableEvent>,
): Promise<VerifyResult> {
  let expectedPrev = genesisHash(workspaceId);
  let length = 0;
  const fail = (divergence: ChainDivergence): VerifyResult => ({
    ok: false,
    length,
    firstDivergence: divergence,
  });

  for await (const event of events) {
    const expectedSeq = length + 1;
    if (event.seq === length && length > 0) {
      return fail({ seq: event.seq, kind: 'fork', detail: `two events claim seq ${event.seq}` });
    }
    if (event.seq !== expectedSeq) {
      return fail({
        seq: expectedSeq,
        kind: 'gap',
        detail: `expected seq ${expectedSeq}, found seq ${event.seq}`,
      });
    }
    if (event.prevHash !== expectedPrev) {
      return fail({
        seq: event.seq,
        kind: 'link_break',
        detail: `prev_hash is ${event.prevHash}, the recomputed previous link is ${expectedPrev}`,
      });
    }
    const recomputed = chainHash(expectedPrev, event.seq, event.eventType, event.payloadCanonical);
    if (recomputed !== event.hash) {
      return fail({
        seq: event.seq,
        kind: 'hash_mismatch',
        detail: `stored hash ${event.hash}, recomputed ${recomputed} (event type, payload or seq was altered)`,
      });
    }
    expectedPrev = recomputed;
    length += 1;
  }
  return { ok: true, length, headHash: expectedPrev };
}
