import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { CheckpointError } from '../../checkpoint/errors.js';
import { type Checkpoint, parseCheckpointText } from '../../checkpoint/format.js';
import { loadPrivateKey, loadPublicKey } from '../../checkpoint/keys.js';
import { CommandFailure, UsageError } from '../exit-codes.js';

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${file}: ${(err as Error).message}`);
  }
}

/** Unreadable or malformed key and checkpoint files are usage errors (exit 2), named by file. */
function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CheckpointError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * Reads a private key file only when no one but its owner can read or write it, as ssh does: a key that
 * others could read may already be someone else's, and its signatures prove nothing. Checked on the
 * opened descriptor, so the file checked is the file read.
 */
function readPrivateText(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new UsageError(`cannot read private key file ${file}: ${(err as Error).message}`);
  }
  try {
    const mode = fstatSync(fd).mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new UsageError(
        `private key file ${file} is accessible by group or others (mode 0${mode.toString(8)}); ` +
          `refusing to sign with it. Fix: chmod 600 ${file}`,
      );
    }
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

export function readPrivateKeyFile(file: string): KeyObject {
  return asUsage(() => loadPrivateKey(readPrivateText(file), `private key file ${file}`));
}

export function readPublicKeyFile(file: string): KeyObject {
  return asUsage(() => loadPublicKey(readText(file, 'public key file'), `public key file ${file}`));
}

export function readCheckpointFile(file: string): Checkpoint {
  return asUsage(() => parseCheckpointText(readText(file, 'checkpoint file'), `checkpoint file ${file}`));
}

/**
 * A checkpoint that is well-formed but not trusted (forged, unknown key) is a problem found: exit 1 with
 * its kind. Anything about the files themselves stays a usage error.
 */
export function checkpointFailure(err: unknown): never {
  if (err instanceof CheckpointError) {
    if (err.kind === 'malformed' || err.kind === 'bad_key' || err.kind === 'wrong_workspace') {
      throw new UsageError(err.message);
    }
    throw new CommandFailure(`${err.kind}: ${err.message}`);
  }
  throw err;
}
