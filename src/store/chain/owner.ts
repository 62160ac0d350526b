import { ChainStoreError } from '../../errors.js';
import type { AppendedEvent, ChainAnchor, ChainEventInput, ChainStore } from './types.js';
import type { VerifiableEvent } from './verify.js';

/** One claim of a workspace: the owner's epoch, and where the chain stood when it was claimed. */
export interface OwnerClaim {
  readonly workspaceId: string;
  /** 1, 2, 3, … per workspace: each claim takes the next; the highest is the owner. */
  readonly epoch: number;
  /** The chain's head seq at the moment of the claim (0 for an empty chain): the previous life ends there. */
  readonly resumedFromSeq: number;
  /** ISO 8601 UTC. */
  readonly claimedAt: string;
}

/**
 * One owner per workspace, by epoch, kept with the chain: a claim takes the next epoch, and an append
 * made as owner carries its epoch and is refused (`WorkspaceFencedError`) inside the append transaction
 * once a later claim exists. Plain `append` ignores owners (shared appends stay as they are).
 */
export interface WorkspaceOwnership {
  /** Takes the next epoch for the workspace, recording the head seq it found. */
  claim(workspaceId: string): Promise<OwnerClaim>;
  /** The newest claim, or null when the workspace was never claimed. */
  current(workspaceId: string): Promise<OwnerClaim | null>;
  /** Every claim, oldest first. */
  claims(workspaceId: string): Promise<OwnerClaim[]>;
  /** Appends like `append`, only while `epoch` is still the workspace's newest claim. */
  appendAsOwner(
    workspaceId: string,
    epoch: number,
    events: readonly ChainEventInput[],
  ): Promise<AppendedEvent[]>;
  /** The head row (seq and hash) as the store recorded it, or null for an unknown workspace. */
  head(workspaceId: string): Promise<ChainAnchor | null>;
  /** Stored rows with their hashed text, `seq > afterSeq`, at most `limit`, in seq order (for verifying a tail). */
  readStored(workspaceId: string, afterSeq: number, limit: number): Promise<VerifiableEvent[]>;
}

/** A chain store that keeps owners: every store opstate ships (memory, SQLite, PostgreSQL). */
export interface OwnedChainStore extends ChainStore {
  readonly ownership: WorkspaceOwnership;
}

/** The store's ownership, or null for a store that keeps no owners (your own ChainStore). */
export function ownershipOf(store: ChainStore): WorkspaceOwnership | null {
  const o = (store as Partial<OwnedChainStore>).ownership;
  return typeof o === 'object' && o !== null && typeof o.claim === 'function' ? o : null;
}

/**
 * An append as owner refused: a later claim superseded `epoch` (the process holding it is a zombie of
 * an earlier life). Never retried: nothing this owner appends can land any more.
 */
export class WorkspaceFencedError extends ChainStoreError {
  override readonly name = 'WorkspaceFencedError';
  readonly workspaceId: string;
  /** The epoch the refused append carried. */
  readonly epoch: number;
  /** The workspace's owner epoch now (null if the claim table was emptied). */
  readonly ownerEpoch: number | null;

  constructor(workspaceId: string, epoch: number, ownerEpoch: number | null) {
    super(
      'fenced',
      `fenced: workspace ${JSON.stringify(workspaceId)} is owned by epoch ${ownerEpoch ?? 'none'}; ` +
        `this runtime's epoch ${epoch} was superseded, so its appends are refused`,
    );
    this.workspaceId = workspaceId;
    this.epoch = epoch;
    this.ownerEpoch = ownerEpoch;
  }
}

/**
 * True for the store's fenced refusal, wherever it is wrapped (an OperationalStateEmitError carries it as
 * `originalError`, other errors as `cause`).
 */
export function isFencedError(err: unknown): boolean {
  for (let e: unknown = err, i = 0; typeof e === 'object' && e !== null && i < 5; i++) {
    if (e instanceof ChainStoreError && e.kind === 'fenced') return true;
    const wrapped = e as { originalError?: unknown; cause?: unknown };
    e = wrapped.originalError ?? wrapped.cause;
  }
  return false;
}
