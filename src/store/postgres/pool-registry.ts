import type pg from 'pg';
import { ChainStoreError } from '../../errors.js';

/**
 * The `pg` pool behind each open PostgreSQL store, for the tests and the bench. Kept out of the store's
 * own module on purpose: the public declarations must not mention `pg`'s types (a consumer without
 * `@types/pg` compiles against them).
 */
const pools = new WeakMap<object, pg.Pool>();

export function registerPool(store: object, pool: pg.Pool): void {
  pools.set(store, pool);
}

/** The store's `pg` pool (not public API). */
export function poolOf(store: object): pg.Pool {
  const pool = pools.get(store);
  if (pool === undefined) throw new ChainStoreError('invalid_input', 'not a PostgreSQL chain store');
  return pool;
}
