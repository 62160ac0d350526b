import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ChainStoreError } from '../../errors.js';

/**
 * Checks, before SQLite opens it for writing, that `file` can hold a store: not a directory, and in a
 * directory this process can write (SQLite keeps the `-wal` and `-shm` files beside the database and
 * creates them on open). A missing directory is created, with its parents, as `mkdir -p` does. A path that
 * fails these checks is `invalid_input` naming it: no retry makes it usable, so it is not `unavailable`.
 */
export function prepareWritablePath(file: string, what: string): void {
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new ChainStoreError(
      'invalid_input',
      `${file} is a directory, not a SQLite ${what} file: name the file inside it (e.g. ${join(file, 'chain.db')})`,
    );
  }
  const dir = dirname(file);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new ChainStoreError(
      'invalid_input',
      `cannot create the directory ${dir} for the SQLite ${what} ${file}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (!statSync(dir).isDirectory()) {
    throw new ChainStoreError(
      'invalid_input',
      `${dir} is not a directory: cannot hold the SQLite ${what} ${file}`,
    );
  }
  if (!canWrite(dir)) {
    throw new ChainStoreError(
      'invalid_input',
      `cannot write the directory ${dir}: the SQLite ${what} ${file} needs its -wal and -shm files beside it (open it read-only to read it, or give this user write access)`,
    );
  }
  if (existsSync(file) && !canWrite(file)) {
    throw new ChainStoreError(
      'invalid_input',
      `cannot write the SQLite ${what} ${file} (permission denied): open it read-only to read it, or give this user write access`,
    );
  }
}

/** Whether this process may write `path` (for root, always: as the kernel decides). */
export function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
