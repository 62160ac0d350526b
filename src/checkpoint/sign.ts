import { sign } from 'node:crypto';
import type { ChainStore } from '../store/chain/types.js';
import { assertWorkspaceId } from '../store/chain/validate.js';
import { CheckpointError } from './errors.js';
import { type Checkpoint, type CheckpointStatement, signingBytes } from './format.js';
import { type KeyInput, keyIdOf, loadPrivateKey } from './keys.js';

/** Signs a statement about a chain head (seq ≥ 1, hash) with an Ed25519 private key. */
export function signCheckpoint(
  head: { workspaceId: string; seq: number; headHash: string; at?: Date },
  privateKey: KeyInput,
): Checkpoint {
  assertWorkspaceId(head.workspaceId);
  const key = loadPrivateKey(privateKey);
  const statement: CheckpointStatement = {
    workspaceId: head.workspaceId,
    seq: head.seq,
    headHash: head.headHash,
    at: (head.at ?? new Date()).toISOString(),
    keyId: keyIdOf(key),
  };
  const signature = sign(null, signingBytes(statement), key).toString('base64');
  return { ...statement, signature };
}

/**
 * Verifies the workspace's chain in `store` and signs its head. Refuses (`chain_invalid`) a chain that
 * does not verify or is empty: a checkpoint vouches only for history the verifier accepted.
 */
export async function createCheckpoint(
  store: ChainStore,
  workspaceId: string,
  privateKey: KeyInput,
  options: { at?: Date } = {},
): Promise<Checkpoint> {
  const key = loadPrivateKey(privateKey);
  const result = await store.verify(workspaceId);
  if (!result.ok) {
    const d = result.firstDivergence;
    throw new CheckpointError(
      'chain_invalid',
      `will not sign workspace ${JSON.stringify(workspaceId)}: its chain fails at seq ${d.seq}: ${d.kind}: ${d.detail}`,
    );
  }
  if (result.length === 0) {
    throw new CheckpointError(
      'chain_invalid',
      `workspace ${JSON.stringify(workspaceId)} has no events to vouch for`,
    );
  }
  return signCheckpoint(
    { workspaceId, seq: result.length, headHash: result.headHash, ...(options.at ? { at: options.at } : {}) },
    key,
  );
}
