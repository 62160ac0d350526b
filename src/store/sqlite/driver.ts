import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';

// better-sqlite3 loads where a connection is first opened, not where the store's modules are imported:
// the package entry exports the store opener, and `import 'opstate'` must not load a native module
// unless a store is opened.
const require = createRequire(import.meta.url);

/** The better-sqlite3 constructor (CommonJS), loaded on first call. */
export function loadSqlite(): typeof Database {
  return require('better-sqlite3') as typeof Database;
}
