import type {
  ClaimPermission,
  DegradationReason,
  PrimaryState,
  TriggerLiteral,
} from '../domain/vocabulary.js';

/** One entry of the in-memory transition history (the chain is the durable history). */
export interface HistoryEntry {
  /** ISO 8601 UTC with milliseconds. */
  readonly at: string;
  readonly from: PrimaryState;
  readonly to: PrimaryState;
  readonly trigger: string;
  /** The posture after the transition. */
  readonly claimPermission: ClaimPermission;
  readonly degradationReasons: readonly DegradationReason[];
}

/** The last transition, exactly as the chart decided it: what the emit service is asked to append. */
export interface CommittedTransition extends HistoryEntry {
  /** Monotonic, 1-based: the n-th transition of this actor. */
  readonly n: number;
  readonly previousClaimPermission: ClaimPermission;
  readonly previousDegradationReasons: readonly DegradationReason[];
  /** The per-trigger literal chosen by the transition's guard, if any. */
  readonly literal: TriggerLiteral | null;
}

export interface OperationalStateContext {
  readonly claimPermission: ClaimPermission;
  /** Sorted A→Z, no duplicates. */
  readonly degradationReasons: readonly DegradationReason[];
  /** Oldest first, at most `historySize` entries. */
  readonly history: readonly HistoryEntry[];
  readonly historySize: number;
  readonly transitionCount: number;
  readonly lastTransition: CommittedTransition | null;
  /**
   * Emits that failed: reported back by the emit service (each was logged as OperationalStateEmitError),
   * plus, once the emit service itself has failed or completed, that event and every transition after it.
   */
  readonly emitFailures: number;
  readonly lastEmitFailure: EmitFailure | null;
  /**
   * Why the invoked emit service no longer takes requests (it threw, or it completed), or null while it
   * runs. From then on every transition is counted in `emitFailures` as not appended, never dropped.
   */
  readonly emitServiceDown: string | null;
}

export interface EmitFailure {
  readonly eventType: string;
  readonly message: string;
  /** The transition (`n`) left unappended, when one is known. */
  readonly transition: number | null;
}

export const DEFAULT_HISTORY_SIZE = 20;
export const MAX_HISTORY_SIZE = 10_000;

export interface OperationalStateInput {
  /** How many transitions the in-memory history keeps (default 20). */
  readonly historySize?: number;
}

export function initialContext(input: OperationalStateInput | undefined): OperationalStateContext {
  const size = input?.historySize;
  return {
    claimPermission: 'none',
    degradationReasons: [],
    history: [],
    historySize:
      typeof size === 'number' && Number.isInteger(size) && size >= 1 && size <= MAX_HISTORY_SIZE
        ? size
        : DEFAULT_HISTORY_SIZE,
    transitionCount: 0,
    lastTransition: null,
    emitFailures: 0,
    lastEmitFailure: null,
    emitServiceDown: null,
  };
}
