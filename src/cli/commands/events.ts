import Table from 'cli-table3';
import { GENERIC_TRANSITION_EVENT } from '../../domain/vocabulary.js';
import type { ChainEvent, ChainStore } from '../../store/chain/types.js';
import { ownershipOf } from '../../store/chain/owner.js';
import { RestartTracker } from '../../store/chain/restarts.js';
import { MAX_READ_LIMIT } from '../../store/chain/validate.js';
import { showControls } from '../../util/control-chars.js';
import { exportEvents, streamSink } from './events-export.js';

export interface EventsOptions {
  readonly prefix: string;
  readonly after: number;
  /** At most this many events: default the whole chain with --json, 100 for the table. */
  readonly limit?: number;
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

export function eventsTable(events: readonly ChainEvent[], restarts?: RestartTracker): string {
  const table = new Table({
    head: ['family', 'seq', 'time', 'type', 'payload'],
    style: { head: [], border: [] },
  });
  for (const e of events) {
    const restart = restarts?.feed(e) ?? null;
    if (restart !== null) table.push([{ colSpan: 5, content: `── ${showControls(restart.label)} ──` }]);
    // Stored strings are free text: shown escaped, never as raw terminal control sequences.
    table.push([
      showControls(familyOf(e.eventType)),
      e.seq,
      showControls(e.occurredAt),
      showControls(e.eventType),
      showControls(keyFields(e)),
    ]);
  }
  return table.toString();
}

/** Rows the table shows without --limit (the JSON export has no default limit). */
export const TABLE_LIMIT = 100;

/** Prints the chain (one page, or follows it until interrupted); --json streams the whole chain. */
export async function runEvents(
  store: ChainStore,
  workspaceId: string,
  options: EventsOptions,
  write: (text: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const restarts = await restartTracker(store, workspaceId, options.after);
  if (options.json) {
    // The whole chain unless --limit: a partial export must never pass for a complete one.
    await exportEvents(
      store,
      workspaceId,
      {
        after: options.after,
        prefix: options.prefix,
        progress: true,
        restarts,
        ...(options.limit ? { limit: options.limit } : {}),
      },
      streamSink(process.stdout),
    );
    return;
  }
  const limit = Math.min(options.limit ?? TABLE_LIMIT, MAX_READ_LIMIT);
  const page = await store.read(workspaceId, {
    afterSeq: options.after,
    limit,
    eventTypePrefix: options.prefix,
  });
  const more =
    page.length === limit &&
    (
      await store.read(workspaceId, {
        afterSeq: page[page.length - 1]?.seq ?? 0,
        limit: 1,
        eventTypePrefix: options.prefix,
      })
    ).length > 0;
  write(
    page.length === 0
      ? `(no events after seq ${options.after}${options.prefix ? ` with prefix ${options.prefix}` : ''})`
      : eventsTable(page, restarts),
  );
  if (more)
    write(
      `(first ${limit} events shown; more follow: --after ${page[page.length - 1]?.seq ?? 0} or --limit)`,
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
        if (shown.length > 0) write(eventsTable(shown, restarts));
      }
    }
  } finally {
    unwatch?.();
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Restart marks for a listing that starts after seq `after`: the store's claims (resumes), and the last
 * transition before the listing, so its first event can show a restart too.
 */
async function restartTracker(
  store: ChainStore,
  workspaceId: string,
  after: number,
): Promise<RestartTracker> {
  const claims = (await ownershipOf(store)?.claims(workspaceId)) ?? [];
  let previous: { seq: number; to: string } | null = null;
  for (let end = after; end > 0 && previous === null; end -= 1000) {
    const from = Math.max(0, end - 1000);
    const page = await store.read(workspaceId, {
      afterSeq: from,
      limit: end - from,
      eventTypePrefix: GENERIC_TRANSITION_EVENT,
    });
    const last = page.at(-1);
    if (last !== undefined && typeof last.payload.to_primary_state === 'string') {
      previous = { seq: last.seq, to: last.payload.to_primary_state };
    }
  }
  return new RestartTracker(claims, previous);
}
