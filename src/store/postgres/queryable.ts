import type { StoreChange } from '../chain/types.js';
import type { VerifiableEvent } from '../chain/verify.js';

/**
 * The little the SQL chain store needs from a driver (`pg`), kept narrow so the store is testable on its own.
 * `query` runs one parameterized statement; `exec` runs a script of several (migrations).
 */
export interface Queryable {
  query<R>(text: string, params?: readonly unknown[]): Promise<R[]>;
  exec(text: string): Promise<void>;
  /**
   * `query` as a named prepared statement where a connection keeps it: parsed and planned once per
   * connection instead of on every call. Through a pooler (PgBouncer in transaction mode) the next
   * statement may reach another server session, so there it runs unnamed, exactly like `query`.
   */
  prepared?<R>(name: string, text: string, params: readonly unknown[]): Promise<R[]>;
}

/** Runs `fn` inside one transaction on one connection: committed if it resolves, rolled back if not. */
export type Transactor = <T>(fn: (q: Queryable) => Promise<T>) => Promise<T>;

/** What a driver adapter hands to the SQL chain store. */
export interface SqlEngine {
  /** For the log and error messages, e.g. `PostgreSQL`. */
  readonly name: string;
  readonly db: Queryable;
  readonly transaction: Transactor;
  /**
   * The chain in seq order as pages, when the engine has a faster way than keyset paging (PostgreSQL:
   * binary COPY). Read after the head row, so a row the head counts is always in it.
   */
  readonly streamChain?: (workspaceId: string) => AsyncIterable<readonly VerifiableEvent[]>;
  /** The engine's change feed, when it has one (PostgreSQL: LISTEN). */
  readonly watch?: (onChange: (change: StoreChange) => void) => () => void;
}
