import Table from 'cli-table3';
import type { ChainEvent, ChainStore } from '../../store/chain/types.js';

export interface EventsOptions {
  readonly prefix: string;
  readonly after: number;
  readonly limit: number;
  readonly json: boolean;
  readonly follow: boolean;
}

/** `kora.boot.ready` → `boot`: the family the cockpit colours rows by. */
export function familyOf(eventType: string): string {
  return eventType.split('.')[1] ?? eventType;
}

function keyFields(e: ChainEvent): string {
  const p = e.payload as Record<string, unknown>;
  if (typeof p.from_primary_state === 'string') {
    const reasons =
      Array.isArray(p.degradation_reasons) && p.degradation_reasons.length > 0
        ? ` [${p.degradation_reasons.join(',')}]`
        : '';
    const trigger = String(p.trigger ?? '');
    const shown = trigger.length > 48 ? `${trigger.slice(0, 47)}…` : trigger;
    return `${p.from_primary_state} → ${p.to_primary_state}  claim=${String(p.claim_permission)}${reasons}  "${shown}"`;
  }
  return JSON.stringify(p).slice(0, 80);
}

export function eventsTable(events: readonly ChainEvent[]): string {
  const table = new Table({
    head: ['family', 'seq', 'time', 'type', 'payload'],
    style: { head: [], border: [] },
  });
  for (const e of events) table.push([familyOf(e.eventType), e.seq, e.occurredAt, e.eventType, keyFields(e)]);
  return table.toString();
}

/** Prints the chain (one page, or follows it until interrupted). */
export async function runEvents(
  store: ChainStore,
  workspaceId: string,
  options: EventsOptions,
  write: (text: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const page = await store.read(workspaceId, {
    afterSeq: options.after,
    limit: options.limit,
    eventTypePrefix: options.prefix,
  });
  if (options.json) {
    write(JSON.stringify(page, null, 2));
    return;
  }
  write(
    page.length === 0
      ? `(no events after seq ${options.after}${options.prefix ? ` with prefix ${options.prefix}` : ''})`
      : eventsTable(page),
  );
  if (!options.follow) return;
  // Follow by seq, never by time: the cursor is the last seq in the chain, whatever its prefix.
  let cursor = options.after;
  for (;;) {
    const page = await store.read(workspaceId, { afterSeq: cursor, limit: 10_000 });
    const last = page.at(-1);
    if (last === undefined) break;
    cursor = last.seq;
  }
  // With a store that can watch, a change wakes the follower at once; the slow poll stays as a net (and
  // keeps the process alive: watch timers are unref'd).
  let dirty = false;
  let wake: (() => void) | null = null;
  const unwatch = store.watch?.((change) => {
    if (change.workspaceId !== undefined && change.workspaceId !== workspaceId) return;
    dirty = true;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  try {
    while (!signal?.aborted) {
      if (!dirty) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, unwatch === undefined ? 500 : 2000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
      dirty = false;
      if (signal?.aborted) break;
      for (;;) {
        const fresh = await store.read(workspaceId, { afterSeq: cursor, limit: 1000 });
        if (fresh.length === 0) break;
        cursor = fresh.at(-1)?.seq ?? cursor;
        const shown = fresh.filter((e) => e.eventType.startsWith(options.prefix));
        if (shown.length > 0) write(eventsTable(shown));
      }
    }
  } finally {
    unwatch?.();
    signal?.removeEventListener('abort', onAbort);
  }
}
