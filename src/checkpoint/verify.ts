import { verify } from 'node:crypto';
import type { ChainStore, VerifyResult } from '../store/chain/types.js';
import { CheckpointError } from './errors.js';
import { type Checkpoint, parseCheckpoint, signingBytes } from './format.js';
import { type KeyInput, keyIdOf, loadPublicKey } from './keys.js';

/**
 * Checks a checkpoint's signature against the given public keys (picked by keyId). Throws
 * `CheckpointError` `unknown_key` when none has its keyId, `bad_signature` when the signature fails.
 */
export function authenticateCheckpoint(
  checkpoint: Checkpoint,
  publicKeys: KeyInput | readonly KeyInput[],
  source = 'checkpoint',
): Checkpoint {
  const cp = parseCheckpoint(checkpoint, source);
  const keys = (Array.isArray(publicKeys) ? publicKeys : [publicKeys]).map((k: KeyInput) => loadPublicKey(k));
  const key = keys.find((k) => keyIdOf(k) === cp.keyId);
  if (key === undefined) {
    throw new CheckpointError(
      'unknown_key',
      `${source} was signed by key ${cp.keyId}, which is not among the public keys given (${keys.map(keyIdOf).join(', ')})`,
      { source },
    );
  }
  const ok = verify(null, signingBytes(cp), key, Buffer.from(cp.signature, 'base64'));
  if (!ok) {
    throw new CheckpointError(
      'bad_signature',
      `${source}: the signature does not verify (forged or edited)`,
      {
        source,
      },
    );
  }
  return cp;
}

/**
 * Verifies a workspace's chain in `store`, then checks that it contains each checkpointed seq with
 * exactly the signed hash: what a bare chain cannot see (a cut tail, or a rewrite that also moved the
 * head row) shows as `truncated` or `checkpoint_mismatch` at the seq concerned. Every checkpoint is
 * authenticated first (see `authenticateCheckpoint`) and must name `workspaceId` (`wrong_workspace`);
 * `options.sources` names each checkpoint (a file) in errors.
 */
export async function verifyWithCheckpoints(
  store: ChainStore,
  workspaceId: string,
  checkpoints: readonly Checkpoint[],
  publicKeys: KeyInput | readonly KeyInput[],
  options: { readonly sources?: readonly string[] } = {},
): Promise<VerifyResult> {
  const trusted = checkpoints.map((cp, i) => {
    const source = options.sources?.[i] ?? `checkpoint ${i + 1}`;
    const authentic = authenticateCheckpoint(cp, publicKeys, source);
    if (authentic.workspaceId !== workspaceId) {
      throw new CheckpointError(
        'wrong_workspace',
        `${source} is for workspace ${JSON.stringify(authentic.workspaceId)}, not ${JSON.stringify(workspaceId)}`,
      );
    }
    return authentic;
  });
  trusted.sort((a, b) => a.seq - b.seq);
  const result = await store.verify(workspaceId);
  const first = trusted[0];
  if (!result.ok) {
    if (result.firstDivergence.kind !== 'unknown_workspace' || first === undefined) return result;
    return truncated(0, first);
  }
  for (const cp of trusted) {
    if (cp.seq > result.length) return truncated(result.length, cp);
    // The store verified every stored hash up to its length, so the stored hash at cp.seq is the recomputed one.
    const [row] = await store.read(workspaceId, { afterSeq: cp.seq - 1, limit: 1 });
    if (row === undefined || row.seq !== cp.seq) return truncated(cp.seq - 1, cp);
    if (row.hash !== cp.headHash) {
      return {
        ok: false,
        length: cp.seq - 1,
        firstDivergence: {
          seq: cp.seq,
          kind: 'checkpoint_mismatch',
          detail: `the chain's hash at seq ${cp.seq} is ${row.hash}, the checkpoint signed at ${cp.at} says ${cp.headHash}: history up to seq ${cp.seq} was rewritten`,
        },
      };
    }
  }
  return result;
}

function truncated(length: number, cp: Checkpoint): VerifyResult {
  return {
    ok: false,
    length,
    firstDivergence: {
      seq: length + 1,
      kind: 'truncated',
      detail: `the chain ends at seq ${length} but the checkpoint signed at ${cp.at} vouches for seq ${cp.seq}: events were removed from the tail (or the checkpoint is ahead of this chain)`,
    },
  };
}
