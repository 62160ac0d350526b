import type { DivergenceKind } from '../store/chain/types.js';

/**
 * `resumeOperationalState` refused: the workspace's chain does not verify, so nothing was started (a
 * runtime never starts in a state guessed from a chain it cannot trust). `seq` and `kind` are the first
 * divergence, as `opstate verify` reports it.
 */
export class ChainNotVerifiedError extends Error {
  override readonly name = 'ChainNotVerifiedError';
  readonly workspaceId: string;
  readonly seq: number;
  readonly kind: DivergenceKind;
  readonly detail: string;

  constructor(workspaceId: string, seq: number, kind: DivergenceKind, detail: string) {
    super(
      `cannot resume workspace ${JSON.stringify(workspaceId)}: its chain does not verify at seq ${seq} (${kind}): ${detail}`,
    );
    this.workspaceId = workspaceId;
    this.seq = seq;
    this.kind = kind;
    this.detail = detail;
  }
}

/** `resumeOperationalState` refused by the caller's own policy (`resume.policy.afterStopped: 'refuse'`). */
export class ResumeRefusedError extends Error {
  override readonly name = 'ResumeRefusedError';
  readonly workspaceId: string;
  /** The seq of the transition into `stopped` the chain ends with. */
  readonly seq: number;

  constructor(workspaceId: string, seq: number) {
    super(
      `not resuming workspace ${JSON.stringify(workspaceId)}: its chain ends in stopped (seq ${seq}) and ` +
        "resume.policy.afterStopped is 'refuse'",
    );
    this.workspaceId = workspaceId;
    this.seq = seq;
  }
}
