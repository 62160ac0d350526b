import { GENERIC_TRANSITION_EVENT } from '../../domain/vocabulary.js';
import type { OwnerClaim } from './owner.js';
import type { ChainEvent } from './types.js';

/** A process restart the chain shows, marked on the first transition of the new life. */
export interface ChainRestart {
  /** The seq of the transition event the new life starts with. */
  readonly seq: number;
  /** `resumed`: a claim (resumeOperationalState) lies between the two lives; `fresh_boot`: none does. */
  readonly kind: 'resumed' | 'fresh_boot';
  /** For `resumed`: the head seq the new owner found when it claimed the workspace. */
  readonly resumedFromSeq: number | null;
  /** For `resumed`: the new owner's epoch. */
  readonly epoch: number | null;
  /**
   * True where the transition's `from` is not the previous transition's `to`. A resumed paused agent
   * continues (`paused → …`), so its restart is marked without a break.
   */
  readonly break: boolean;
  /** `restart: resumed from seq N` or `restart: fresh boot`, as `opstate events` prints it. */
  readonly label: string;
}

/** The last transition before the events to be fed (for a listing that starts mid-chain). */
export interface PreviousTransition {
  readonly seq: number;
  readonly to: string;
}

/**
 * Finds restarts in a chain fed in seq order: only generic transition events count (a literal repeats
 * its generic event's payload). Claims come from the store's ownership (`ownership.claims`), or none.
 */
export class RestartTracker {
  readonly #claims: readonly OwnerClaim[];
  #previous: PreviousTransition | null;

  constructor(claims: readonly OwnerClaim[] = [], previous: PreviousTransition | null = null) {
    this.#claims = [...claims].sort((a, b) => a.epoch - b.epoch);
    this.#previous = previous;
  }

  /** The restart this event starts, or null. */
  feed(event: Pick<ChainEvent, 'seq' | 'eventType' | 'payload'>): ChainRestart | null {
    if (event.eventType !== GENERIC_TRANSITION_EVENT) return null;
    const from = event.payload.from_primary_state;
    const to = event.payload.to_primary_state;
    if (typeof from !== 'string' || typeof to !== 'string') return null;
    const previous = this.#previous;
    this.#previous = { seq: event.seq, to };
    if (previous === null) return null;
    const broke = from !== previous.to;
    // The newest claim made while the chain stood between the two transitions.
    const claim = this.#claims
      .filter((c) => c.resumedFromSeq >= previous.seq && c.resumedFromSeq < event.seq)
      .at(-1);
    if (claim !== undefined) {
      return {
        seq: event.seq,
        kind: 'resumed',
        resumedFromSeq: claim.resumedFromSeq,
        epoch: claim.epoch,
        break: broke,
        label: `restart: resumed from seq ${claim.resumedFromSeq}`,
      };
    }
    if (!broke) return null;
    return {
      seq: event.seq,
      kind: 'fresh_boot',
      resumedFromSeq: null,
      epoch: null,
      break: true,
      label: 'restart: fresh boot',
    };
  }
}

/** Every restart in `events` (one chain, in seq order). */
export function findRestarts(
  events: Iterable<Pick<ChainEvent, 'seq' | 'eventType' | 'payload'>>,
  claims: readonly OwnerClaim[] = [],
): ChainRestart[] {
  const tracker = new RestartTracker(claims);
  const found: ChainRestart[] = [];
  for (const e of events) {
    const r = tracker.feed(e);
    if (r !== null) found.push(r);
  }
  return found;
}
