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

/** The verdict for a workspace that has no chain at all, the same from every store. */
export function unknownWorkspace(workspaceId: string): VerifyResult {
  return {
    ok: false,
    length: 0,
    firstDivergence: {
      seq: 0,
      kind: 'unknown_workspace',
      detail: `no chain for workspace ${JSON.stringify(workspaceId)}`,
    },
  };
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
  const verifier = new ChainVerifier(workspaceId);
  for await (const event of events) {
    const failed = verifier.feed(event);
    if (failed !== null) return failed;
  }
  return verifier.result();
}

/**
 * verifyChain over pages of events (as a database store reads them): the same checks, but one await per
 * page instead of one per event, which is a large share of the cost on a million-event chain.
 */
export async function verifyChainPages(
  workspaceId: string,
  pages: AsyncIterable<readonly VerifiableEvent[]>,
): Promise<VerifyResult> {
  const verifier = new ChainVerifier(workspaceId);
  for await (const page of pages) {
    for (const event of page) {
      const failed = verifier.feed(event);
      if (failed !== null) return failed;
    }
  }
  return verifier.result();
}

class ChainVerifier {
  #expectedPrev: string;
  #length = 0;

  constructor(workspaceId: string) {
    this.#expectedPrev = genesisHash(workspaceId);
  }

  /** Checks the next event; returns the failure, or null when it links. */
  feed(event: VerifiableEvent): VerifyResult | null {
    const length = this.#length;
    const expectedSeq = length + 1;
    if (event.seq === length && length > 0) {
      return this.#fail({ seq: event.seq, kind: 'fork', detail: `two events claim seq ${event.seq}` });
    }
    if (event.seq !== expectedSeq) {
      return this.#fail({
        seq: expectedSeq,
        kind: 'gap',
        detail: `expected seq ${expectedSeq}, found seq ${event.seq}`,
      });
    }
    if (event.prevHash !== this.#expectedPrev) {
      return this.#fail({
        seq: event.seq,
        kind: 'link_break',
        detail: `prev_hash is ${event.prevHash}, the recomputed previous link is ${this.#expectedPrev}`,
      });
    }
    const recomputed = chainHash(this.#expectedPrev, event.seq, event.eventType, event.payloadCanonical);
    if (recomputed !== event.hash) {
      return this.#fail({
        seq: event.seq,
        kind: 'hash_mismatch',
        detail: `stored hash ${event.hash}, recomputed ${recomputed} (event type, payload or seq was altered)`,
      });
    }
    this.#expectedPrev = recomputed;
    this.#length += 1;
    return null;
  }

  result(): VerifyResult {
    return { ok: true, length: this.#length, headHash: this.#expectedPrev };
  }

  #fail(divergence: ChainDivergence): VerifyResult {
    return { ok: false, length: this.#length, firstDivergence: divergence };
  }
}
