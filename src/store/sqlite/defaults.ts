// Apart from sqlite-store.ts so that the library entry can export it without loading better-sqlite3.

/** How long a writer waits for another process's write transaction before giving up (SQLITE_BUSY). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;
