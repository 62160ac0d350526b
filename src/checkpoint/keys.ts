import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { CheckpointError } from './errors.js';

/** A key as PEM text (or its bytes), or an already loaded KeyObject. */
export type KeyInput = string | Buffer | KeyObject;

/** A fresh Ed25519 key pair as PEM: PKCS#8 private, SPKI public. */
export function generateCheckpointKeys(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Loads an Ed25519 private key (PKCS#8 PEM); `source` names it in the error. */
export function loadPrivateKey(key: KeyInput, source = 'private key'): KeyObject {
  const loaded = load(key, source, 'private');
  if (loaded.type !== 'private' || loaded.asymmetricKeyType !== 'ed25519') {
    throw new CheckpointError('bad_key', `${source} is not an Ed25519 private key`, { source });
  }
  return loaded;
}

/** Loads an Ed25519 public key (SPKI PEM; a private key yields its public half). */
export function loadPublicKey(key: KeyInput, source = 'public key'): KeyObject {
  let loaded = load(key, source, 'public');
  if (loaded.type === 'private') loaded = createPublicKey(loaded);
  if (loaded.type !== 'public' || loaded.asymmetricKeyType !== 'ed25519') {
    throw new CheckpointError('bad_key', `${source} is not an Ed25519 public key`, { source });
  }
  return loaded;
}

/** keyId: lowercase hex SHA-256 of the public key's SPKI DER bytes. */
export function keyIdOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

function load(key: KeyInput, source: string, want: 'private' | 'public'): KeyObject {
  if (typeof key === 'object' && !Buffer.isBuffer(key)) return key;
  try {
    return want === 'private' ? createPrivateKey(key) : createPublicKey(key);
  } catch (err) {
    throw new CheckpointError('bad_key', `${source} is not a PEM ${want} key: ${(err as Error).message}`, {
      source,
      cause: err,
    });
  }
}
