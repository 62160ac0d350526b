import { GENERIC_TRANSITION_EVENT } from '../../domain/vocabulary.js';
import type { ChainEvent, FleetSummaryOptions, WorkspaceHead } from '../chain/types.js';
import { parseFleetSummaryOptions } from '../chain/validate.js';

/** A memory chain as the summary needs it: its events in seq order and its head hash. */
export interface SummarizedChain {
  readonly rows: readonly ChainEvent[];
  readonly head: string;
}

/** Every workspace's head and last transition, sorted by workspace id (see `ChainStore.fleetSummary`). */
export function fleetSummary(
  chains: ReadonlyMap<string, SummarizedChain>,
  options?: FleetSummaryOptions,
): WorkspaceHead[] {
  const { after, limit } = parseFleetSummaryOptions(options);
  let ids = [...chains.keys()].sort();
  if (after !== null) ids = ids.filter((id) => id > after);
  if (limit !== null) ids = ids.slice(0, limit);
  return ids.map((workspaceId) => {
    const { rows, head } = chains.get(workspaceId) as SummarizedChain;
    const last = rows[rows.length - 1];
    let transitions = 0;
    let lastTransition: ChainEvent | undefined;
    for (const row of rows) {
      if (row.eventType !== GENERIC_TRANSITION_EVENT) continue;
      transitions += 1;
      lastTransition = row;
    }
    return {
      workspaceId,
      seq: rows.length,
      headHash: head,
      lastEventType: last?.eventType ?? null,
      lastEventAt: last?.occurredAt ?? null,
      transitions,
      lastTransition:
        lastTransition === undefined
          ? null
          : {
              seq: lastTransition.seq,
              occurredAt: lastTransition.occurredAt,
              payload: lastTransition.payload,
            },
    };
  });
}
