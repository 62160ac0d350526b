import { createRequire } from 'node:module';
import type pg from 'pg';
import type * as copyStreams from 'pg-copy-streams';

// The drivers load where they are first used, not where the store's modules are imported: the package
// entry exports the store opener, and `import 'opstate'` must not pay for pg unless a pool is made.
const require = createRequire(import.meta.url);

/** The `pg` module (CommonJS), loaded on first call. */
export function loadPg(): typeof pg {
  return require('pg') as typeof pg;
}

/** The `pg-copy-streams` module (CommonJS), loaded on first call. */
export function loadCopyStreams(): typeof copyStreams {
  return require('pg-copy-streams') as typeof copyStreams;
}
