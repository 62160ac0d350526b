import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ChainStoreError } from '../errors.js';
import type { ChainStore } from './chain/types.js';
import { createMemoryChainStore } from './memory/memory-store.js';

/** A store spec that names nothing usable: a missing directory, a file where a directory belongs, … */
export class StoreSpecError extends Error {
  override readonly name = 'StoreSpecError';
  /** The spec as given (a URL's password is never in the message). */
  readonly spec: string;
  constructor(spec: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.spec = spec;
  }
}

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

/** A store directory holds the embedded store in this file. */
export const EMBEDDED_FILE = 'chain.db';

/** The SQLite file a store directory means: `<dir>/chain.db`. */
export function embeddedFile(dir: string): string {
  return join(resolve(dir), EMBEDDED_FILE);
}

export interface OpenStoreSpecOptions {
  /** Create the embedded store (directory and chain.db) if missing, and migrate PostgreSQL. */
  readonly create?: boolean;
  readonly memory?: boolean;
  /** Also accept the SQLite file itself, not only its directory (read-only readers such as the cockpit). */
  readonly fileOrDirectory?: boolean;
  /**
   * PostgreSQL only: a direct connection to the server for `watch()`'s LISTEN, when the spec reaches a
   * pooler (the store's `listenConnectionString`).
   */
  readonly listenUrl?: string;
}

/**
 * Opens the store a spec names: a directory holding the embedded SQLite store `<dir>/chain.db` (with
 * `fileOrDirectory`, the file itself too), or a postgres:// URL. Without `create` nothing is created or
 * migrated: SQLite opens read-only, PostgreSQL's schema is checked, so a role with SELECT only can read.
 * A spec that names nothing usable is a `StoreSpecError` naming it.
 */
export async function openStoreSpec(spec: string, options: OpenStoreSpecOptions = {}): Promise<OpenedStore> {
  if (options.memory) return { store: createMemoryChainStore(), label: 'memory', kind: 'memory' };
  if (spec.trim() === '') {
    throw new StoreSpecError(
      spec,
      '--store is empty: pass a directory (the store is <dir>/chain.db) or a postgres:// URL',
    );
  }
  const listen = options.listenUrl;
  if (listen !== undefined && !isPostgresUrl(spec)) {
    throw new StoreSpecError(
      spec,
      `--listen-url goes with a postgres:// store, not ${JSON.stringify(spec)}: an embedded store watches its own file`,
    );
  }
  if (listen !== undefined && !isPostgresUrl(listen)) {
    // A URL's password is not repeated; anything that is not a URL is shown as given.
    const shown = URL.canParse(listen) ? redactUrl(listen) : listen;
    throw new StoreSpecError(
      spec,
      `--listen-url must be a postgres:// URL (a direct connection to the server), got ${JSON.stringify(shown)}`,
    );
  }
  try {
    if (isPostgresUrl(spec)) {
      const { openPostgresChainStore } = await import('./postgres/postgres-store.js');
      const store = await openPostgresChainStore({
        connectionString: spec,
        migrate: options.create ? true : 'check',
        ...(listen !== undefined ? { listenConnectionString: listen } : {}),
      });
      return { store, label: redactUrl(spec), kind: 'postgres' };
    }
    const file = sqliteFile(spec, options);
    const { openSqliteChainStore } = await import('./sqlite/sqlite-store.js');
    const store = await openSqliteChainStore({
      file: file.path,
      ...(options.create ? {} : { readOnly: true }),
    });
    return { store, label: file.shown, kind: 'sqlite' };
  } catch (err) {
    // Not a store, a schema this version does not know, or a path no writer can use (a directory, no
    // write access): the spec named the wrong thing.
    if (
      err instanceof ChainStoreError &&
      (err.kind === 'migration' || err.kind === 'not_a_store' || err.kind === 'invalid_input')
    ) {
      throw new StoreSpecError(spec, err.message, { cause: err });
    }
    throw err;
  }
}

/** The SQLite file a spec means, checked before anything opens (or creates) it. */
function sqliteFile(spec: string, options: OpenStoreSpecOptions): { path: string; shown: string } {
  const dir = resolve(spec);
  const exists = existsSync(dir);
  const isDir = exists && statSync(dir).isDirectory();
  if (options.fileOrDirectory && !options.create) {
    if (!exists) {
      throw new StoreSpecError(
        spec,
        `--store ${spec} does not exist: pass a SQLite store file (or its directory) or a postgres:// URL`,
      );
    }
    return isDir
      ? { path: embeddedFile(spec), shown: join(spec, EMBEDDED_FILE) }
      : { path: dir, shown: spec };
  }
  // Checked before anything creates or opens it: a file here would otherwise surface as a raw EEXIST.
  if (exists && !isDir) {
    throw new StoreSpecError(
      spec,
      `--store ${spec} is a file, not a directory: name the directory that holds the store`,
    );
  }
  const shown = join(spec, EMBEDDED_FILE);
  if (options.create) return { path: embeddedFile(spec), shown };
  if (!exists) {
    throw new StoreSpecError(
      spec,
      `store directory ${spec} does not exist: run \`opstate demo --store ${spec}\` to create it, or pass --store <dir | postgres://url>`,
    );
  }
  if (!existsSync(embeddedFile(spec))) {
    throw new StoreSpecError(spec, `${shown} does not exist: ${spec} holds no opstate store`);
  }
  return { path: embeddedFile(spec), shown };
}
