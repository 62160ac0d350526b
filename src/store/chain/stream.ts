import type { ChainEvent, ChainStore } from './types.js';
import { MAX_READ_LIMIT } from './validate.js';

/**
 * Every event of a workspace's chain in seq order, read page by page through `store.read` (which returns
 * at most one page): `verifyChain(ws, streamChainEvents(store, ws))` checks the whole chain in constant
 * memory, where `verifyChain(ws, await store.read(ws))` checks only its first page.
 */
export async function* streamChainEvents(
  store: Pick<ChainStore, 'read'>,
  workspaceId: string,
  options: { afterSeq?: number; pageSize?: number } = {},
): AsyncGenerator<ChainEvent, void, undefined> {
  const limit = options.pageSize ?? MAX_READ_LIMIT;
  let cursor = options.afterSeq ?? 0;
  for (;;) {
    const page = await store.read(workspaceId, { afterSeq: cursor, limit });
    yield* page;
    const last = page[page.length - 1];
    if (last === undefined || page.length < limit) return;
    cursor = last.seq;
  }
}
