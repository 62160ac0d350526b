import { ownershipOf } from '../../store/chain/owner.js';
import type { AppendedEvent, ChainEventInput, ChainStore } from '../../store/chain/types.js';

/** What `--fail-store-every` did: transition append attempts made, and how many were failed on purpose. */
export interface InjectedFailures {
  readonly attempts: number;
  readonly failed: number;
}

/** A store whose every Nth transition append attempt fails, and the count of what it did. */
export interface FailingStore {
  readonly store: ChainStore;
  readonly injected: () => InjectedFailures;
}

/**
 * Wraps a store so that every Nth append attempt of a transition fails, however the emit pipeline groups
 * transitions into store calls. Each transition of a call is appended on its own and counts as one
 * attempt; when the Nth comes, the transitions before it in that call have landed and the call is
 * refused, as if the store wrote them and the answer was lost. The pipeline then retries the whole call:
 * the ones that landed come back as duplicates of their idempotency keys (not counted again), and the
 * refused one is attempt N+1, which lands. So with N ≥ 2 every transition lands exactly once.
 */
export function failingEvery(store: ChainStore, n: number): FailingStore {
  let attempts = 0;
  let failed = 0;
  const landed = new Set<string>();
  const injected = () => ({ attempts, failed });
  if (n <= 0) return { store, injected };
  const failing =
    (append: (ws: string, events: readonly ChainEventInput[]) => Promise<AppendedEvent[]>) =>
    async (ws: string, events: readonly ChainEventInput[]): Promise<AppendedEvent[]> => {
      const appended: AppendedEvent[] = [];
      for (const group of byTransition(events)) {
        const key = group[0]?.idempotencyKey;
        const retried = key !== undefined && landed.has(key);
        if (!retried) {
          attempts += 1;
          if (attempts % n === 0) {
            failed += 1;
            throw new Error(
              `injected store failure (--fail-store-every ${n}, transition append #${attempts})`,
            );
          }
        }
        appended.push(...(await append(ws, group)));
        if (key !== undefined) landed.add(key);
      }
      return appended;
    };
  // A resumed demo appends as the workspace's owner: those appends fail the same way.
  const ownership = ownershipOf(store);
  return {
    injected,
    store: {
      append: failing((ws, events) => store.append(ws, events)),
      read: (ws, o) => store.read(ws, o),
      verify: (ws) => store.verify(ws),
      close: () => store.close(),
      ...(ownership === null
        ? {}
        : {
            ownership: {
              claim: (ws: string) => ownership.claim(ws),
              current: (ws: string) => ownership.current(ws),
              claims: (ws: string) => ownership.claims(ws),
              head: (ws: string) => ownership.head(ws),
              readStored: (ws: string, after: number, limit: number) =>
                ownership.readStored(ws, after, limit),
              appendAsOwner: (ws: string, epoch: number, events: readonly ChainEventInput[]) =>
                failing((w, group) => ownership.appendAsOwner(w, epoch, group))(ws, events),
            },
          }),
    },
  };
}

/** The events of one call split by transition: consecutive events sharing a correlation id. */
function byTransition(events: readonly ChainEventInput[]): ChainEventInput[][] {
  const groups: ChainEventInput[][] = [];
  let current: ChainEventInput[] = [];
  for (const event of events) {
    const previous = current[0];
    if (
      previous !== undefined &&
      (event.correlationId === undefined || event.correlationId !== previous.correlationId)
    ) {
      groups.push(current);
      current = [];
    }
    current.push(event);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
