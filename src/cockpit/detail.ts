import { TransitionPayloadSchema } from '../machine/schemas.js';
import { GENERIC_TRANSITION_EVENT } from '../domain/vocabulary.js';
import { ownershipOf } from '../store/chain/owner.js';
import { RestartTracker } from '../store/chain/restarts.js';
import type { ChainStore } from '../store/chain/types.js';
import { toMachineJSON } from '../testing/chart-export.js';
import type { DetailTransition, WorkspaceDetail } from './wire.js';

/** The drill-down shows the newest events of a chain; older ones stay in the store (`opstate events`). */
export const DETAIL_EVENTS = 200;
const HASH_SHOWN = 16;

let definition: string | null = null;

/** Reads a workspace's newest events and verifies its whole chain, for the cockpit's drill-down. */
export async function workspaceDetail(
  store: ChainStore,
  workspaceId: string,
  chainLength: number,
): Promise<WorkspaceDetail> {
  definition ??= JSON.stringify(toMachineJSON());
  const afterSeq = Math.max(0, chainLength - DETAIL_EVENTS);
  const [events, verify, claims] = await Promise.all([
    store.read(workspaceId, { afterSeq, limit: DETAIL_EVENTS + 100 }),
    store.verify(workspaceId),
    ownershipOf(store)?.claims(workspaceId) ?? [],
  ]);
  const restarts = new RestartTracker(claims);
  const timeline: DetailTransition[] = [];
  for (const e of events) {
    if (e.eventType === GENERIC_TRANSITION_EVENT) {
      const p = TransitionPayloadSchema.safeParse(e.payload);
      if (!p.success) continue;
      const restart = restarts.feed(e);
      timeline.push({
        ...(restart !== null ? { restart: restart.label } : {}),
        seq: e.seq,
        at: e.occurredAt,
        from: p.data.from_primary_state,
        to: p.data.to_primary_state,
        trigger: p.data.trigger,
        claimPermission: p.data.claim_permission,
        degradationReasons: p.data.degradation_reasons,
        literal: null,
      });
    } else {
      const last = timeline[timeline.length - 1];
      if (last !== undefined && last.literal === null)
        timeline[timeline.length - 1] = { ...last, literal: e.eventType };
    }
  }
  return {
    workspaceId,
    verify,
    events: events.map((e) => ({
      seq: e.seq,
      eventType: e.eventType,
      occurredAt: e.occurredAt,
      hashPrefix: e.hash.slice(0, HASH_SHOWN),
    })),
    timeline,
    truncated: afterSeq > 0,
    definition,
  };
}
