import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ChainStoreError } from '../errors.js';
import { createMemoryChainStore } from '../store/memory/memory-store.js';
import type { ChainStore } from '../store/chain/types.js';
import { UsageError } from './exit-codes.js';

export const DEFAULT_STORE = './.opstate';

export interface OpenedStore {
  readonly store: ChainStore;
  /** How to name it to a human: the SQLite file, a URL without password, or "memory". */
  readonly label: string;
  readonly kind: 'memory' | 'sqlite' | 'postgres';
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
  /** Create the embedded store (directory and chain.db) if missing: the demo does; read commands do not. */
  readonly create?: boolean;
  readonly memory?: boolean;
}

/** `--store <dir>` names a directory; the embedded store is this file inside it. */
export const EMBEDDED_FILE = 'chain.db';

/** The SQLite file a `--store <dir>` means: `<dir>/chain.db`. */
export function embeddedFile(dir: string): string {
  return join(resolve(dir), EMBEDDED_FILE);
}

/**
 * Opens the store a `--store` flag names: a directory holding the embedded SQLite store `<dir>/chain.db`
 * (default), or a postgres:// URL. Without `create`, the embedded store is opened read-only and nothing is
 * created: a missing directory or file is a usage error naming it.
 */
export async function openStore(spec: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  if (options.memory) return { store: createMemoryChainStore(), label: 'memory', kind: 'memory' };
  if (spec.trim() === '') {
    throw new UsageError(
      '--store is empty: pass a directory (the store is <dir>/chain.db) or a postgres:// URL',
    );
  }
  if (isPostgresUrl(spec)) {
    const { openPostgresChainStore } = await import('../store/postgres/postgres-store.js');
    // Only a writing command (the demo) migrates; read commands check the schema and write nothing, so
    // they work under a role with SELECT only. `opstate migrate` is how a schema changes.
    try {
      const store = await openPostgresChainStore({
        connectionString: spec,
        migrate: options.create ? true : 'check',
      });
      return { store, label: redactUrl(spec), kind: 'postgres' };
    } catch (err) {
      if (err instanceof ChainStoreError && err.kind === 'migration') throw new UsageError(err.message);
      throw err;
    }
  }
  const dir = resolve(spec);
  // Checked before anything creates or opens it: a file here would otherwise surface as a raw EEXIST.
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new UsageError(
      `--store ${spec} is a file, not a directory: name the directory that holds the store`,
    );
  }
  const file = embeddedFile(spec);
  const shown = join(spec, EMBEDDED_FILE);
  const { openSqliteChainStore } = await import('../store/sqlite/sqlite-store.js');
  if (options.create) {
    try {
      const store = await openSqliteChainStore({ file });
      return { store, label: shown, kind: 'sqlite' };
    } catch (err) {
      // A path no writer can use (a directory, no write access) is the command line's to fix.
      if (err instanceof ChainStoreError && err.kind === 'invalid_input') throw new UsageError(err.message);
      throw err;
    }
  }
  if (!existsSync(dir)) {
    throw new UsageError(
      `store directory ${spec} does not exist: run \`opstate demo --store ${spec}\` to create it, or pass --store <dir | postgres://url>`,
    );
  }
  if (!existsSync(file)) {
    throw new UsageError(`${shown} does not exist: ${spec} holds no opstate store`);
  }
  try {
    const store = await openSqliteChainStore({ file, readOnly: true });
    return { store, label: shown, kind: 'sqlite' };
  } catch (err) {
    if (err instanceof ChainStoreError && err.kind === 'not_a_store') throw new UsageError(err.message);
    throw err;
  }
}
