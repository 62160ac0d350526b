import { readFileSync } from 'node:fs';
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

export function readPrivateKeyFile(file: string): KeyObject {
  return asUsage(() => loadPrivateKey(readText(file, 'private key file'), `private key file ${file}`));
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
