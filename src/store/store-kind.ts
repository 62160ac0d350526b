import type { ChainStore } from './chain/types.js';

/** The engines opstate ships; anything else is a store of the embedder's own. */
export type StoreKind = 'memory' | 'sqlite' | 'postgres';

// A WeakMap, not a property: a store is a plain object its users may spread, log or compare.
const kinds = new WeakMap<object, StoreKind>();

/** Marks `store` as one of opstate's engines (each factory does, for metrics' `store` attribute). */
export function markStoreKind<T extends ChainStore>(store: T, kind: StoreKind): T {
  kinds.set(store, kind);
  return store;
}

/** The engine behind `store`: one of opstate's, `custom` for any other store. */
export function storeKindOf(store: ChainStore): StoreKind | 'custom' {
  return kinds.get(store) ?? 'custom';
}
