import type { VerifyResult } from './types.js';

/**
 * The head row's seq and the last row's seq of one workspace, read in ONE statement (one snapshot).
 * Every append writes its rows and moves the head row in the same transaction, so in any snapshot of a
 * healthy store the two are equal, whatever appends run meanwhile.
 */
export interface HeadSnapshot {
  readonly headSeq: number | null;
  readonly lastSeq: number | null;
}

/**
 * Turns an ok verdict into `past_head` when the snapshot shows rows beyond the head row: rows written
 * without the append path (a validly hashed row inserted after the head is otherwise indistinguishable
 * from a concurrent append). `length` then counts only what the head row vouches for.
 */
export function checkPastHead(result: VerifyResult, snapshot: HeadSnapshot): VerifyResult {
  if (!result.ok) return result;
  const head = snapshot.headSeq ?? 0;
  const last = snapshot.lastSeq;
  if (last === null || last <= head) return result;
  return {
    ok: false,
    length: Math.min(result.length, head),
    firstDivergence: {
      seq: head + 1,
      kind: 'past_head',
      detail:
        snapshot.headSeq === null
          ? `rows up to seq ${last} exist but the workspace has no head row (every append writes one)`
          : `rows up to seq ${last} lie past the head row's seq ${head}: written without moving the head, which every append does in the same transaction`,
    },
  };
}
