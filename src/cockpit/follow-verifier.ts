import { canonicalPayload } from '../store/chain/canonical-json.js';
import { chainHash, genesisHash } from '../store/chain/hash.js';
import type { ChainDivergence, ChainEvent } from '../store/chain/types.js';

/**
 * Verifies one workspace's chain as the cockpit reads it, a page at a time, keeping only the head it
 * has verified (constant memory per workspace, however long the chain). The checks are the shared
 * verifier's (src/store/chain/verify.ts: gap, fork, link break, hash mismatch on the recomputed hash),
 * applied to what `read()` returns, so a row edited in the database fails here as it fails `verify`.
 * (The shared verifier's class is not exported yet; once it is, this should feed it instead.)
 */
export class FollowVerifier {
  readonly #workspaceId: string;
  #head: string;
  #length = 0;
  #divergence: ChainDivergence | null = null;
  readonly #seededAt: number;

  /** From genesis, or from a head already verified (`length` events ending in `head`). */
  constructor(workspaceId: string, from?: { readonly length: number; readonly head: string }) {
    this.#workspaceId = workspaceId;
    this.#head = from?.head ?? genesisHash(workspaceId);
    this.#length = from?.length ?? 0;
    this.#seededAt = this.#length;
  }

  /** Events verified so far (up to the first divergence). */
  get length(): number {
    return this.#length;
  }

  /** The first divergence, once found (it stays: a chain that broke does not heal). */
  get divergence(): ChainDivergence | null {
    return this.#divergence;
  }

  feed(event: ChainEvent): void {
    if (this.#divergence !== null) return;
    // Verified before this verifier was seeded: nothing to check again.
    if (event.seq <= this.#seededAt) return;
    const expected = this.#length + 1;
    if (event.seq === this.#length && this.#length > 0) {
      this.#divergence = { seq: event.seq, kind: 'fork', detail: `two events claim seq ${event.seq}` };
      return;
    }
    if (event.seq !== expected) {
      this.#divergence = {
        seq: expected,
        kind: 'gap',
        detail: `expected seq ${expected}, found seq ${event.seq}`,
      };
      return;
    }
    if (event.prevHash !== this.#head) {
      this.#divergence = {
        seq: event.seq,
        kind: 'link_break',
        detail: `prev_hash is ${event.prevHash}, the recomputed previous link is ${this.#head}`,
      };
      return;
    }
    let recomputed: string;
    try {
      recomputed = chainHash(
        this.#head,
        event.seq,
        event.eventType,
        canonicalPayload(event.payload, event.eventType),
      );
    } catch (err) {
      this.#divergence = {
        seq: event.seq,
        kind: 'hash_mismatch',
        detail: `payload cannot be hashed: ${String(err)}`,
      };
      return;
    }
    if (recomputed !== event.hash) {
      this.#divergence = {
        seq: event.seq,
        kind: 'hash_mismatch',
        detail: `stored hash ${event.hash}, recomputed ${recomputed} (event type, payload or seq was altered)`,
      };
      return;
    }
    this.#head = recomputed;
    this.#length += 1;
  }

  get workspaceId(): string {
    return this.#workspaceId;
  }

  /** A chain that stopped verifying (as the store's own verify found it). */
  static failed(workspaceId: string, divergence: ChainDivergence): FollowVerifier {
    const v = new FollowVerifier(workspaceId);
    v.#divergence = divergence;
    return v;
  }
}
