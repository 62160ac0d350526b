import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createMemoryChainStore } from '../store/memory/memory-store.js';
import type { ChainStore } from '../store/chain/types.js';
import { UsageError } from './exit-codes.js';

export const DEFAULT_STORE = './.opstate';

export interface OpenedStore {
  readonly store: ChainStore;
  /** How to name it to a human: a directory, a URL without password, or "memory". */
  readonly label: string;
  readonly kind: 'memory' | 'pglite' | 'postgres';
}

export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//.test(spec);
}

/** A connection URL safe to print: the password replaced. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable postgres URL)';
  }
}

export interface OpenStoreOptions {
  /** Create the embedded store directory if missing (the demo does; read commands do not). */
  readonly create?: boolean;
  readonly memory?: boolean;
}

/** Opens the store a `--store` flag names: a PGlite directory (default) or a postgres:// URL. */
export async function openStore(spec: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  if (options.memory) return { store: createMemoryChainStore(), label: 'memory', kind: 'memory' };
  if (isPostgresUrl(spec)) {
    const { openPostgresChainStore } = await import('../store/postgres/postgres-store.js');
    const store = await openPostgresChainStore({ connectionString: spec });
    return { store, label: redactUrl(spec), kind: 'postgres' };
  }
  const dir = resolve(spec);
  // Checked before anything creates or opens it: a file here would otherwise surface as a raw EEXIST.
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new UsageError(
      `--store ${spec} is a file, not a directory: name the directory that holds the store`,
    );
  }
  if (!options.create) {
    if (!existsSync(dir)) {
      throw new UsageError(
        `store directory ${spec} does not exist: run \`opstate demo\` to create it, or pass --store <dir | postgres://url>`,
      );
    }
  }
  const { openPgliteChainStore } = await import('../store/pglite/pglite-store.js');
  const store = await openPgliteChainStore({ dataDir: dir });
  return { store, label: spec, kind: 'pglite' };
}
