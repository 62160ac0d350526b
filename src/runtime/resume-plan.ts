import { CheckpointError } from '../checkpoint/errors.js';
import type { Checkpoint } from '../checkpoint/format.js';
import type { KeyInput } from '../checkpoint/keys.js';
import { authenticateCheckpoint } from '../checkpoint/verify.js';
import { CHAIN_EVENT_TYPES } from '../domain/vocabulary.js';
import type { OutboxEntry } from '../emit/outbox.js';
import { parseCanonical } from '../store/chain/canonical-json.js';
import { type OwnerClaim, ownershipOf } from '../store/chain/owner.js';
import type { ChainStore, VerifyResult } from '../store/chain/types.js';
import { ChainVerifier } from '../store/chain/verify.js';
import { ChainNotVerifiedError } from './resume-errors.js';
import { type EndingPosture, type ResumePolicy, startingPoint, transitionOf } from './resume-posture.js';
import type { RestorePoint } from './start-snapshot.js';

/** What a resume of a workspace would start in, and from what (`opstate status` prints it). */
export interface ResumePlan {
  readonly workspaceId: string;
  /** The last seq of the chain as verified (0 for an empty chain). */
  readonly lastVerifiedSeq: number;
  /** Verified from genesis, or from the seq of the checkpoint it trusted. */
  readonly verifiedFrom: 'genesis' | { readonly checkpointSeq: number };
  /** The chain's last transition (null for an empty chain or one with none). */
  readonly lastTransition: EndingPosture | null;
  /** Transitions an outbox still holds (the newest of them, if any, sets the posture). */
  readonly outboxLeftovers: number;
  /** The state, posture and count a resume starts in. */
  readonly startsIn: RestorePoint;
  /** The workspace's owner when planned (null if never claimed, or the store keeps no owners). */
  readonly owner: OwnerClaim | null;
}

export interface PlanOptions {
  /** Signed checkpoints (kept outside the store); the latest that authenticates bounds the work. */
  readonly checkpoints?: readonly Checkpoint[];
  readonly publicKeys?: readonly KeyInput[];
  readonly policy?: ResumePolicy;
  /** Entries an outbox still holds for this agent, oldest first. */
  readonly outbox?: readonly OutboxEntry[];
}

const PAGE = 5000;
const TRANSITION_TYPES: ReadonlySet<string> = new Set(CHAIN_EVENT_TYPES);

/**
 * Verifies the workspace's chain (all of it, or from the latest authentic checkpoint on) and works out
 * where a resume starts. Throws ChainNotVerifiedError naming the first divergence; CheckpointError when
 * checkpoints were given and none authenticates for this workspace.
 */
export async function planResume(
  store: ChainStore,
  workspaceId: string,
  options: PlanOptions = {},
): Promise<ResumePlan> {
  const ownership = ownershipOf(store);
  const owner = ownership === null ? null : await ownership.current(workspaceId);
  const checkpoint = latestAuthentic(workspaceId, options.checkpoints ?? [], options.publicKeys ?? []);
  const { length, last } =
    checkpoint !== null && ownership !== null
      ? await verifyTail(store, workspaceId, checkpoint)
      : await verifyAll(store, workspaceId);
  const leftovers = options.outbox ?? [];
  const lastQueued = leftovers.at(-1)?.transition;
  const newest: EndingPosture | null =
    lastQueued === undefined
      ? last
      : {
          seq: length,
          state: lastQueued.to,
          claimPermission: lastQueued.claimPermission,
          degradationReasons: lastQueued.degradationReasons,
        };
  return {
    workspaceId,
    lastVerifiedSeq: length,
    verifiedFrom: checkpoint !== null && ownership !== null ? { checkpointSeq: checkpoint.seq } : 'genesis',
    lastTransition: last,
    outboxLeftovers: leftovers.length,
    // Transition numbers continue after the chain's last seq: unique and increasing across lives.
    startsIn: startingPoint(workspaceId, newest, options.policy ?? {}, length + leftovers.length),
    owner,
  };
}

function latestAuthentic(
  workspaceId: string,
  checkpoints: readonly Checkpoint[],
  publicKeys: readonly KeyInput[],
): Checkpoint | null {
  if (checkpoints.length === 0) return null;
  let latest: Checkpoint | null = null;
  let firstError: unknown = null;
  checkpoints.forEach((cp, i) => {
    try {
      const ok = authenticateCheckpoint(cp, publicKeys, `resume.checkpoints[${i}]`);
      if (ok.workspaceId !== workspaceId) {
        throw new CheckpointError(
          'wrong_workspace',
          `resume.checkpoints[${i}] is for workspace ${JSON.stringify(ok.workspaceId)}, not ${JSON.stringify(workspaceId)}`,
        );
      }
      if (latest === null || ok.seq > latest.seq) latest = ok;
    } catch (err) {
      firstError ??= err;
    }
  });
  if (latest === null) throw firstError;
  return latest;
}

function refuse(workspaceId: string, result: Extract<VerifyResult, { ok: false }>): never {
  const d = result.firstDivergence;
  throw new ChainNotVerifiedError(workspaceId, d.seq, d.kind, d.detail);
}

/** The store's own verify (every kind it names), then the last transition, read back from the end. */
async function verifyAll(store: ChainStore, workspaceId: string) {
  const result = await store.verify(workspaceId);
  if (!result.ok) {
    if (result.firstDivergence.kind === 'unknown_workspace') return { length: 0, last: null };
    refuse(workspaceId, result);
  }
  return { length: result.length, last: await lastTransitionUpTo(store, workspaceId, result.length) };
}

/**
 * From a trusted checkpoint on: the row at its seq must recompute to the signed hash, every later row
 * must link, and the head row must match. Costs the tail, not the chain.
 */
async function verifyTail(store: ChainStore, workspaceId: string, cp: Checkpoint) {
  const ownership = ownershipOf(store);
  if (ownership === null) throw new Error('unreachable: verifyTail without ownership');
  const head = await ownership.head(workspaceId);
  const [atCheckpoint] = await ownership.readStored(workspaceId, cp.seq - 1, 1);
  const verifier = new ChainVerifier(workspaceId, {
    ...(head !== null ? { head } : {}),
    checkpoints: [{ seq: cp.seq, hash: cp.headHash }],
    // The row at the checkpoint is verified too (its text against the signed hash), from its own prev.
    ...(cp.seq > 1 && atCheckpoint !== undefined && atCheckpoint.seq === cp.seq
      ? { resume: { seq: cp.seq - 1, hash: atCheckpoint.prevHash } }
      : {}),
  });
  let last: EndingPosture | null = null;
  let after = cp.seq > 1 && atCheckpoint?.seq === cp.seq ? cp.seq - 1 : 0;
  if (after === 0 && cp.seq > 1) {
    // No row at the checkpoint's seq: the tail was cut.
    refuse(workspaceId, {
      ok: false,
      length: cp.seq - 1,
      firstDivergence: {
        seq: cp.seq,
        kind: 'truncated',
        detail: `the checkpoint signed at ${cp.at} vouches for seq ${cp.seq}, which the chain does not hold`,
      },
    });
  }
  for (;;) {
    const rows = await ownership.readStored(workspaceId, after, PAGE);
    // Only the newest transition is parsed: a row is text until then.
    let newest: (typeof rows)[number] | null = null;
    for (const row of rows) {
      const failed = verifier.feed(row);
      if (failed !== null && !failed.ok) refuse(workspaceId, failed);
      if (TRANSITION_TYPES.has(row.eventType)) newest = row;
    }
    if (newest !== null) {
      last = transitionOf(newest.seq, newest.eventType, parseCanonical(newest.payloadCanonical)) ?? last;
    }
    const tail = rows.at(-1);
    if (tail === undefined || rows.length < PAGE) break;
    after = tail.seq;
  }
  const result = verifier.result();
  if (!result.ok) refuse(workspaceId, result);
  if (last === null && result.length > 0) {
    // The tail holds no transition (another kind of event): look further back, before the checkpoint.
    last = await lastTransitionUpTo(store, workspaceId, cp.seq - 1);
  }
  return { length: result.length, last };
}

async function lastTransitionUpTo(
  store: ChainStore,
  workspaceId: string,
  upTo: number,
): Promise<EndingPosture | null> {
  let last: EndingPosture | null = null;
  for (let end = upTo; end > 0 && last === null; end -= PAGE) {
    const from = Math.max(0, end - PAGE);
    const events = await store.read(workspaceId, { afterSeq: from, limit: end - from });
    for (const e of events) last = transitionOf(e.seq, e.eventType, e.payload) ?? last;
  }
  return last;
}
