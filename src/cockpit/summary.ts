import type { TransitionPayload } from '../domain/payload.js';
import { GENERIC_TRANSITION_EVENT } from '../domain/vocabulary.js';
import type { ChainEvent, JsonObject, VerifyResult, WorkspaceHead } from '../store/chain/types.js';
import { FollowVerifier } from './follow-verifier.js';
import type { WorkspaceSummary } from './wire.js';

export type { WorkspaceSummary };

/** Triggers are free text up to the trigger limit; the table keeps a readable prefix of the last one. */
export const MAX_SHOWN_TRIGGER = 240;

type Fields = Omit<WorkspaceSummary, 'verifies' | 'divergence'>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Folds a workspace's chain events, in seq order, into its summary. Holds the summary and the verified
 * head only, never the events: the cockpit's memory grows with workspaces, not with chain length.
 */
export class WorkspaceFollower {
  readonly workspaceId: string;
  /** Null until the store's own verify has vouched for the chain up to some head (see `seed`). */
  #verifier: FollowVerifier | null = null;
  #s: Fields;
  /** Bumped on every change: what the feed compares to send only rows that changed. */
  version = 0;
  #shown: WorkspaceSummary | null = null;
  #shownVersion = -1;

  constructor(workspaceId: string) {
    this.workspaceId = workspaceId;
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

  /**
   * Starts from the store's fleet summary instead of the chain: the head's length and the last
   * transition, read in one query for the whole fleet. The state is taken as entered at the last
   * transition (a transition to the same state restarts its clock; the chain itself is not read).
   */
  adopt(head: WorkspaceHead): void {
    const s: Mutable<Fields> = { ...this.#s };
    s.chainLength = head.seq;
    s.transitions = head.transitions;
    s.lastEventAt = head.lastEventAt;
    const t = head.lastTransition;
    const p = t === null ? null : transitionPayload(t.payload);
    if (t !== null && p !== null) {
      s.state = shared(p.to_primary_state);
      // Usually the last event is the last transition: one copy of its time serves both fields.
      s.stateSince = t.occurredAt === head.lastEventAt ? head.lastEventAt : t.occurredAt;
      s.claimPermission = shared(p.claim_permission);
      s.degradationReasons = sharedList(p.degradation_reasons);
      s.lastTrigger = shownTrigger(p.trigger);
      s.lastEdge = shared(`${p.from_primary_state}|${p.to_primary_state}`);
      s.lastLiteral = t.seq < head.seq && head.lastEventType !== null ? shared(head.lastEventType) : null;
    } else {
      if (t !== null) s.unreadable += 1;
      s.lastLiteral =
        head.lastEventType === GENERIC_TRANSITION_EVENT || head.lastEventType === null
          ? null
          : shared(head.lastEventType);
    }
    this.#s = s;
    this.version += 1;
  }

  feed(events: readonly ChainEvent[]): void {
    if (events.length === 0) return;
    // One mutable copy per batch, not one object per event: a load folds a hundred thousand of them.
    const s: Mutable<Fields> = { ...this.#s };
    let last: TransitionPayload | null = null;
    for (const event of events) {
      this.#verifier?.feed(event);
      if (event.seq > s.chainLength) s.chainLength = event.seq;
      s.lastEventAt = event.occurredAt;
      if (event.eventType !== GENERIC_TRANSITION_EVENT) {
        s.lastLiteral = event.eventType;
        continue;
      }
      const p = transitionPayload(event.payload);
      if (p === null) {
        s.unreadable += 1;
        continue;
      }
      if (s.state !== p.to_primary_state || s.stateSince === null) s.stateSince = event.occurredAt;
      s.state = p.to_primary_state;
      s.transitions += 1;
      s.lastLiteral = null;
      last = p;
    }
    if (last !== null) {
      s.claimPermission = last.claim_permission;
      s.degradationReasons = last.degradation_reasons;
      s.lastTrigger = shownTrigger(last.trigger);
      s.lastEdge = `${last.from_primary_state}|${last.to_primary_state}`;
    }
    this.#s = s;
    this.version += 1;
  }

  /** Whether verification has started (the store's verify has been asked). */
  get seeded(): boolean {
    return this.#verifier !== null;
  }

  /**
   * Starts verification from the store's own `verify` result: a chain that verified up to `length`
   * events is followed from that head on; one that failed keeps its first divergence. Returns the seq
   * after which read events still need verifying (when this follower read past the verified head).
   */
  seed(result: VerifyResult): number | null {
    if (!result.ok) {
      this.#verifier = FollowVerifier.failed(this.workspaceId, result.firstDivergence);
      this.version += 1;
      return null;
    }
    this.#verifier = new FollowVerifier(this.workspaceId, { length: result.length, head: result.headHash });
    this.version += 1;
    return result.length < this.readUpTo ? result.length : null;
  }

  /** Verifies events read before the verifier was seeded (they do not change the summary). */
  verifyOnly(events: readonly ChainEvent[]): void {
    for (const event of events) this.#verifier?.feed(event);
    this.version += 1;
  }

  /** The row as shown; the same object until the next change, so a fleet-wide view allocates nothing. */
  summary(): WorkspaceSummary {
    if (this.#shown !== null && this.#shownVersion === this.version) return this.#shown;
    const divergence = this.#verifier?.divergence ?? null;
    const s = this.#s;
    // Every field written out, in one literal: V8 then keeps them inside the object. A spread of this
    // many fields puts them in a second array, a hundred bytes more per workspace.
    this.#shown = {
      workspaceId: s.workspaceId,
      state: s.state,
      claimPermission: s.claimPermission,
      degradationReasons: s.degradationReasons,
      lastTrigger: s.lastTrigger,
      lastEdge: s.lastEdge,
      lastLiteral: s.lastLiteral,
      stateSince: s.stateSince,
      lastEventAt: s.lastEventAt,
      transitions: s.transitions,
      chainLength: s.chainLength,
      unreadable: s.unreadable,
      verifies: this.#verifier === null ? null : divergence === null,
      divergence,
    };
    this.#shownVersion = this.version;
    // One object per workspace, not two: the fields live on in the row shown.
    this.#s = this.#shown;
    return this.#shown;
  }
}

const shownTrigger = (trigger: string) =>
  trigger.length > MAX_SHOWN_TRIGGER ? `${trigger.slice(0, MAX_SHOWN_TRIGGER)}…` : trigger;

/*
 * A fleet repeats a few states, claims, edges and reason lists a hundred thousand times: each summary
 * shares one copy of each instead of holding the one its payload was parsed into. Bounded, so a store
 * full of distinct values cannot grow it without limit.
 */
const MAX_SHARED = 4_096;
const sharedText = new Map<string, string>();
const sharedReasons = new Map<string, readonly string[]>();

function shared(text: string): string {
  const known = sharedText.get(text);
  if (known !== undefined) return known;
  if (sharedText.size >= MAX_SHARED) sharedText.clear();
  sharedText.set(text, text);
  return text;
}

function sharedList(reasons: readonly string[]): readonly string[] {
  if (reasons.length === 0) return NO_REASONS;
  const key = reasons.join('\u0000');
  const known = sharedReasons.get(key);
  if (known !== undefined) return known;
  if (sharedReasons.size >= MAX_SHARED) sharedReasons.clear();
  const list = Object.freeze(reasons.map(shared));
  sharedReasons.set(key, list);
  return list;
}

const NO_REASONS: readonly string[] = Object.freeze([]);

/*
 * The payload fields the table shows, checked by hand: at a hundred thousand events per load a schema
 * library's parse is a visible share of the time. A payload without them counts as unreadable.
 */
function transitionPayload(p: JsonObject): TransitionPayload | null {
  const { from_primary_state: from, to_primary_state: to, claim_permission: claim, trigger } = p;
  const reasons = p.degradation_reasons;
  if (typeof from !== 'string' || typeof to !== 'string' || typeof claim !== 'string') return null;
  if (
    typeof trigger !== 'string' ||
    !Array.isArray(reasons) ||
    !reasons.every((r) => typeof r === 'string')
  ) {
    return null;
  }
  return {
    from_primary_state: from,
    to_primary_state: to,
    claim_permission: claim,
    degradation_reasons: reasons,
    trigger,
  } as TransitionPayload;
}
