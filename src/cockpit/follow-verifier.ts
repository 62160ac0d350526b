import type { ChainDivergence, ChainEvent } from '../store/chain/types.js';
import { ChainVerifier } from '../store/chain/verify.js';

/**
 * Verifies one workspace's chain as the cockpit reads it, a page at a time, keeping only the head it
 * has verified (constant memory per workspace, however long the chain): the shared verifier, resumed
 * from the head the store's own `verify` vouched for, fed what `read()` returns, so a row edited in the
 * database fails here as it fails `verify`.
 */
export class FollowVerifier {
  readonly #workspaceId: string;
  /*
   * Made on the first event past the seed: most of a large fleet's chains never move while the cockpit
   * watches, and a resting verifier would cost a hundred thousand objects and genesis hashes.
   */
  #verifier: ChainVerifier | null = null;
  readonly #seedHead: string | null;
  #divergence: ChainDivergence | null = null;
  readonly #seededAt: number;

  /** From genesis, or from a head already verified (`length` events ending in `head`). */
  constructor(workspaceId: string, from?: { readonly length: number; readonly head: string }) {
    this.#workspaceId = workspaceId;
    this.#seededAt = from?.length ?? 0;
    this.#seedHead = from?.head ?? null;
  }

  /** Events verified so far (up to the first divergence). */
  get length(): number {
    return this.#verifier?.length ?? this.#seededAt;
  }

  #started(): ChainVerifier {
    const head = this.#seedHead;
    this.#verifier ??= new ChainVerifier(
      this.#workspaceId,
      head !== null && this.#seededAt > 0 ? { resume: { seq: this.#seededAt, hash: head } } : {},
    );
    return this.#verifier;
  }

  /** The first divergence, once found (it stays: a chain that broke does not heal). */
  get divergence(): ChainDivergence | null {
    return this.#divergence;
  }

  feed(event: ChainEvent): void {
    if (this.#divergence !== null) return;
    // Verified before this verifier was seeded: nothing to check again.
    if (event.seq <= this.#seededAt) return;
    const verifier = this.#started();
    try {
      const failed = verifier.feed(event);
      if (failed !== null && !failed.ok) this.#divergence = failed.firstDivergence;
    } catch (err) {
      // A payload that cannot even be canonicalized was not what got hashed.
      this.#divergence = {
        seq: verifier.length + 1,
        kind: 'hash_mismatch',
        detail: `payload cannot be hashed: ${String(err)}`,
      };
    }
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
