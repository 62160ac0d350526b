import { TransitionPayloadSchema } from '../domain/payload.js';
import { GENERIC_TRANSITION_EVENT } from '../domain/vocabulary.js';
import type { ChainEvent } from '../store/chain/types.js';
import { FollowVerifier } from './follow-verifier.js';
import type { WorkspaceSummary } from './wire.js';

export type { WorkspaceSummary };

/** Triggers are free text up to the trigger limit; the table keeps a readable prefix of the last one. */
export const MAX_SHOWN_TRIGGER = 240;

/**
 * Folds a workspace's chain events, in seq order, into its summary. Holds the summary and the verified
 * head only, never the events: the cockpit's memory grows with workspaces, not with chain length.
 */
export class WorkspaceFollower {
  readonly workspaceId: string;
  readonly #verifier: FollowVerifier;
  #s: Omit<WorkspaceSummary, 'verifies' | 'divergence'>;
  /** Bumped on every change: what the feed compares to send only rows that changed. */
  version = 0;

  constructor(workspaceId: string) {
    this.workspaceId = workspaceId;
    this.#verifier = new FollowVerifier(workspaceId);
    this.#s = {
      workspaceId,
      state: null,
      claimPermission: null,
      degradationReasons: [],
      lastTrigger: null,
      lastEdge: null,
      lastLiteral: null,
      stateSince: null,
      lastEventAt: null,
      transitions: 0,
      chainLength: 0,
      unreadable: 0,
    };
  }

  /** The seq read up to: the next read starts after it. */
  get readUpTo(): number {
    return this.#s.chainLength;
  }

  feed(events: readonly ChainEvent[]): void {
    if (events.length === 0) return;
    let s = { ...this.#s };
    for (const event of events) {
      this.#verifier.feed(event);
      s.chainLength = Math.max(s.chainLength, event.seq);
      s.lastEventAt = event.occurredAt;
      if (event.eventType !== GENERIC_TRANSITION_EVENT) {
        s.lastLiteral = event.eventType;
        continue;
      }
      const parsed = TransitionPayloadSchema.safeParse(event.payload);
      if (!parsed.success) {
        s.unreadable += 1;
        continue;
      }
      const p = parsed.data;
      if (s.state !== p.to_primary_state || s.stateSince === null) s.stateSince = event.occurredAt;
      s = {
        ...s,
        state: p.to_primary_state,
        claimPermission: p.claim_permission,
        degradationReasons: p.degradation_reasons,
        lastTrigger: p.trigger.length > MAX_SHOWN_TRIGGER ? `${p.trigger.slice(0, MAX_SHOWN_TRIGGER)}…` : p.trigger,
        lastEdge: `${p.from_primary_state}|${p.to_primary_state}`,
        lastLiteral: null,
        transitions: s.transitions + 1,
      };
    }
    this.#s = s;
    this.version += 1;
  }

  summary(): WorkspaceSummary {
    const divergence = this.#verifier.divergence;
    return { ...this.#s, verifies: divergence === null, divergence };
  }
}
