import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import type { Command } from 'commander';
import { generateCheckpointKeys, keyIdOf } from '../../checkpoint/keys.js';
import { UsageError } from '../exit-codes.js';

/** Writes a fresh Ed25519 key pair; never overwrites a file. Returns the keyId. */
export function runKeygen(privateKeyFile: string, publicKeyFile: string): string {
  for (const file of [privateKeyFile, publicKeyFile]) {
    if (existsSync(file)) throw new UsageError(`refusing to overwrite ${file}: it already exists`);
  }
  if (privateKeyFile === publicKeyFile) throw new UsageError('--private-key and --public-key must differ');
  const { privateKeyPem, publicKeyPem } = generateCheckpointKeys();
  try {
    // 'wx' fails if the file appeared meanwhile; the mode applies at creation, chmod undoes a strict umask's rounding.
    writeFileSync(privateKeyFile, privateKeyPem, { mode: 0o600, flag: 'wx' });
    chmodSync(privateKeyFile, 0o600);
    writeFileSync(publicKeyFile, publicKeyPem, { mode: 0o644, flag: 'wx' });
  } catch (err) {
    throw new UsageError(`cannot write the key files: ${(err as Error).message}`);
  }
  return keyIdOf(createPublicKey(publicKeyPem));
}

export function registerKeygen(program: Command, out: (text: string) => void): void {
  program
    .command('keygen')
    .description('create an Ed25519 key pair for signed checkpoints (PEM; the private key file is mode 0600)')
    .requiredOption('--private-key <file>', 'where to write the private key (PKCS#8 PEM); never overwritten')
    .requiredOption('--public-key <file>', 'where to write the public key (SPKI PEM); never overwritten')
    .action((o: { privateKey: string; publicKey: string }) => {
      const keyId = runKeygen(o.privateKey, o.publicKey);
      out(`wrote ${o.privateKey} (private, mode 0600) and ${o.publicKey} (public)`);
      out(`keyId ${keyId}`);
    });
}
