/**
 * The little the SQL chain store needs from a driver, so one implementation serves PGlite and `pg`.
 * `query` runs one parameterized statement; `exec` runs a script of several (migrations).
 */
export interface Queryable {
  query<R>(text: string, params?: readonly unknown[]): Promise<R[]>;
  exec(text: string): Promise<void>;
}

/** Runs `fn` inside one transaction on one connection: committed if it resolves, rolled back if not. */
export type Transactor = <T>(fn: (q: Queryable) => Promise<T>) => Promise<T>;

/** What a driver adapter hands to the SQL chain store. */
export interface SqlEngine {
  /** For the log and error messages: `PGlite` or `PostgreSQL`. */
  readonly name: string;
  readonly db: Queryable;
  readonly transaction: Transactor;
}
