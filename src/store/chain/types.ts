/** A JSON value as the chain stores it: no undefined, no NaN or ±Infinity, no integers beyond 2^53. */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

/** One event to append. */
export interface ChainEventInput {
  /** A vocabulary literal such as `kora.operational_state.transitioned`. */
  readonly eventType: string;
  readonly payload: JsonObject;
  /** Ties events of one transition together (the generic event and its literal share one). */
  readonly correlationId?: string;
  /**
   * Minted once per event, before the first attempt. Re-appending a key returns the original row with
   * `duplicate: true` and writes nothing, so retries never double an event.
   */
  readonly idempotencyKey?: string;
}

/** An event as stored in a workspace's hash chain. */
export interface ChainEvent {
  readonly eventId: string;
  readonly workspaceId: string;
  /** 1, 2, 3, … per workspace, gap-free. */
  readonly seq: number;
  readonly eventType: string;
  readonly payload: JsonObject;
  /** When the store recorded it (ISO 8601, UTC). Not covered by the hash. */
  readonly occurredAt: string;
  readonly correlationId: string | null;
  readonly idempotencyKey: string | null;
  /** Lowercase hex SHA-256 of the previous link (the genesis hash for seq 1). */
  readonly prevHash: string;
  /** Lowercase hex SHA-256 of this link; see docs/chain-format.md. */
  readonly hash: string;
}

/** What `append` returns for each input, in input order. */
export interface AppendedEvent extends ChainEvent {
  /** True when the idempotency key was already in the chain: this is the original row, nothing was written. */
  readonly duplicate: boolean;
}

export interface ReadOptions {
  /** Return events with `seq > afterSeq` (default 0: from the start). Page by seq, never by time. */
  readonly afterSeq?: number;
  /** At most this many events (default 1000, at most 10000). */
  readonly limit?: number;
  /** Only event types starting with this text, e.g. `kora.boot.`. */
  readonly eventTypePrefix?: string;
}

/**
 * Why a chain does not verify (docs/chain-format.md defines each):
 * - `gap`: the seq named is missing (the next row has a higher seq, or the first row is not seq 1).
 * - `fork`: two rows claim the seq named.
 * - `link_break`: the row's prev_hash is not the recomputed hash of the row before it.
 * - `non_canonical`: the row's stored payload text is not the RFC 8785 form of its own payload (not
 *   JSON, not canonical, or stored bytes that are not UTF-8).
 * - `unknown_hash_version`: the row's `hash_version` is not a chain format this verifier knows (1).
 * - `hash_mismatch`: the row's stored hash is not the recomputed one (type, payload or seq altered).
 * - `head_mismatch`: the recomputed hash at the head row's seq differs from the head row's hash.
 * - `checkpoint_mismatch`: the recomputed hash at a checkpoint's seq differs from the signed one.
 * - `truncated`: the chain ends before the head row's (or a checkpoint's) seq; names the first missing seq.
 * - `past_head`: rows exist past the head row's seq (or with no head row): written without moving the
 *   head, which every append does in the same transaction; names the first such seq.
 * - `unknown_workspace`: no row and no head row for the workspace (seq 0).
 */
export type DivergenceKind =
  | 'gap'
  | 'link_break'
  | 'hash_mismatch'
  | 'fork'
  | 'unknown_workspace'
  | 'non_canonical'
  | 'head_mismatch'
  | 'checkpoint_mismatch'
  | 'truncated'
  | 'unknown_hash_version'
  | 'past_head';

/** A (seq, hash) the chain must contain: the store's head row, or a signed checkpoint. */
export interface ChainAnchor {
  readonly seq: number;
  /** Lowercase hex SHA-256 that the chain's recomputed hash at `seq` must equal. */
  readonly hash: string;
}

/** Options of verifyChain, verifyChainPages and ChainVerifier. */
export interface VerifyOptions {
  /**
   * The workspace's head row as the store recorded it, read BEFORE the chain (so concurrent appends,
   * which only add rows after it, stay fine). The recomputed hash at `head.seq` must equal `head.hash`
   * whatever the chain's length, and a chain that ends before `head.seq` is `truncated`.
   */
  readonly head?: ChainAnchor;
  /** Authenticated checkpoints, checked like the head row (`checkpoint_mismatch`, `truncated`). */
  readonly checkpoints?: readonly ChainAnchor[];
  /**
   * Carry on from a head this process already verified (the `length` and `headHash` of an ok result),
   * instead of from genesis: a follower feeds only what is new. Feed from seq `resume.seq + 1`.
   */
  readonly resume?: ChainAnchor;
}

export interface ChainDivergence {
  /** The seq at which the chain stops verifying (0 for `unknown_workspace`). */
  readonly seq: number;
  readonly kind: DivergenceKind;
  readonly detail: string;
}

export type VerifyResult =
  | { readonly ok: true; readonly length: number; readonly headHash: string }
  | {
      readonly ok: false;
      /** How many events verified before the first divergence. */
      readonly length: number;
      readonly firstDivergence: ChainDivergence;
    };

/**
 * What a store's `watch` reports: the workspace and its new last seq, when the engine knows them. A
 * change with neither means "re-read": appends may have gone unheard (before the watch took hold, or
 * while its connection was down), so a follower reads what moved since its last read.
 */
export interface StoreChange {
  readonly workspaceId?: string;
  readonly seq?: number;
}

/** One page of the fleet summary, for a follower that shows the first workspaces before the rest arrive. */
export interface FleetSummaryOptions {
  /** Only workspaces whose id sorts after this one (the last id of the previous page). */
  readonly after?: string;
  /** At most this many workspaces (default: all). */
  readonly limit?: number;
}

/** A workspace's last transition event, as the fleet summary reports it. */
export interface LastTransition {
  readonly seq: number;
  /** When the store recorded it (ISO 8601, UTC). */
  readonly occurredAt: string;
  readonly payload: JsonObject;
}

/** One workspace in a store's fleet summary: its head row and its last transition, without its chain. */
export interface WorkspaceHead {
  readonly workspaceId: string;
  /** The head row's seq: the chain's length as the store recorded it. */
  readonly seq: number;
  /** The head row's hash (lowercase hex). */
  readonly headHash: string;
  /** The type and time of the event at `seq`; null when that row is missing (a cut tail). */
  readonly lastEventType: string | null;
  readonly lastEventAt: string | null;
  /** How many generic transition events the chain holds. */
  readonly transitions: number;
  /** The newest generic transition event at or below `seq`; null before the first one. */
  readonly lastTransition: LastTransition | null;
}

/**
 * A per-workspace, append-only, hash-chained event log. Implementations: the in-process memory store,
 * and (see docs/stores.md) the database stores. All of them produce byte-identical hashes.
 */
export interface ChainStore {
  /** Appends all events or none, in order, as consecutive seqs of one workspace's chain. */
  append(workspaceId: string, events: readonly ChainEventInput[]): Promise<AppendedEvent[]>;
  read(workspaceId: string, options?: ReadOptions): Promise<ChainEvent[]>;
  /** The workspaces that have a chain, sorted. Optional for your own stores; all of opstate's have it. */
  workspaces?(): Promise<string[]>;
  /**
   * Every workspace's head and last transition, sorted by workspace id, in a few queries whatever the
   * number of workspaces: what a fleet view shows first. Trusts the stored rows (it does not verify).
   * With `after` and `limit`, one page of it in the same order (the engine's own order of ids).
   * Optional for your own stores; all of opstate's have it.
   */
  fleetSummary?(options?: FleetSummaryOptions): Promise<WorkspaceHead[]>;
  /** Walks the chain from genesis on recomputed hashes and reports the first divergence. */
  verify(workspaceId: string): Promise<VerifyResult>;
  /**
   * Calls `onChange` soon after an append to this store, by this or any other process, so a follower
   * reads only what is new instead of polling every chain. Returns a function that stops watching (and
   * releases whatever the watch holds: a timer, a connection). Optional: readers fall back to polling.
   */
  watch?(onChange: (change: StoreChange) => void): () => void;
  /**
   * How `watch` learns of appends, for a follower to say so: `push` (the engine tells it) or `poll`
   * (it asks every `intervalMs`), with a sentence saying why. Optional, like `watch`.
   */
  watchMode?(): { readonly kind: 'push' | 'poll'; readonly intervalMs?: number; readonly detail: string };
  close(): Promise<void>;
}
