import type { KeyObject } from 'node:crypto';
import type { Command } from 'commander';
import type { Checkpoint } from '../../checkpoint/format.js';
import { verifyWithCheckpoints } from '../../checkpoint/verify.js';
import { withVerifyProgress } from '../../store/chain/progress.js';
import type { ChainStore, VerifyResult } from '../../store/chain/types.js';
import { CommandFailure, UsageError } from '../exit-codes.js';
import { progressBar } from '../progress.js';
import type { CliHelpers } from './checkpoint.js';
import { checkpointFailure, readCheckpointFile, readPublicKeyFile } from './key-files.js';

/** One line per workspace: ok with length and head, or the first divergence's seq and kind. */
export function describeVerify(workspaceId: string, result: VerifyResult, checkpoints = 0): string {
  const against = checkpoints > 0 ? ` (${checkpoints} checkpoint${checkpoints > 1 ? 's' : ''} matched)` : '';
  if (result.ok)
    return `workspace ${workspaceId}: ok, ${result.length} events, head ${result.headHash}${against}`;
  const d = result.firstDivergence;
  return `workspace ${workspaceId}: FAILED at seq ${d.seq}: ${d.kind}: ${d.detail} (${result.length} events verified before it)`;
}

interface VerifyCliOptions {
  store: string;
  workspace: string;
  all: boolean;
  json: boolean;
  checkpoint: string[];
  publicKey: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerVerify(program: Command, h: CliHelpers): void {
  program
    .command('verify')
    .description(
      'verify the hash chain from genesis (and against signed checkpoints); exits 1 on any divergence',
    )
    .addOption(h.storeOption())
    .addOption(h.workspaceOption())
    .option('--all', 'verify every workspace in the store', false)
    .option('--json', 'print the result as JSON (an array with --all)', false)
    .option('--checkpoint <file>', 'a signed checkpoint the chain must contain (repeatable)', collect, [])
    .option(
      '--public-key <file>',
      'a public key (SPKI PEM) checkpoints may be signed by (repeatable)',
      collect,
      [],
    )
    .action(async (o: VerifyCliOptions) => {
      // Files first: a bad file is a usage error before any store is opened.
      if (o.checkpoint.length > 0 && o.publicKey.length === 0) {
        throw new UsageError('--checkpoint needs --public-key <file> to check its signature');
      }
      const keys: KeyObject[] = o.publicKey.map(readPublicKeyFile);
      const checkpoints = o.checkpoint.map((file) => ({ file, cp: readCheckpointFile(file) }));
      await h.withStore(o.store, async (store) => {
        const workspaces = await workspacesToVerify(store, o, checkpoints);
        const results: (VerifyResult & { workspaceId: string; checkpoints: number })[] = [];
        for (const ws of workspaces) {
          const mine = checkpoints.filter((c) => c.cp.workspaceId === ws);
          const bar = progressBar(`verifying ${ws}`, 'events', !o.json);
          let result: VerifyResult;
          try {
            result = await withVerifyProgress(
              (done, total) => bar.update(done, total),
              () => verifyOne(store, ws, mine, keys),
            );
          } finally {
            bar.stop();
          }
          results.push({ workspaceId: ws, checkpoints: mine.length, ...result });
          if (!o.json) h.out(describeVerify(ws, result, result.ok ? mine.length : 0));
        }
        if (o.json) h.out(JSON.stringify(o.all ? results : results[0], null, 2));
        else if (workspaces.length === 0) h.out('(no workspaces in this store)');
        const bad = results.filter((r) => !r.ok).map((r) => r.workspaceId);
        if (bad.length > 0) throw new CommandFailure(`the chain of ${bad.join(', ')} does not verify`);
      });
    });
}

async function workspacesToVerify(
  store: ChainStore,
  o: VerifyCliOptions,
  checkpoints: readonly { file: string; cp: Checkpoint }[],
): Promise<string[]> {
  if (!o.all) {
    const other = checkpoints.find((c) => c.cp.workspaceId !== o.workspace);
    if (other !== undefined) {
      throw new UsageError(
        `checkpoint file ${other.file} is for workspace ${JSON.stringify(other.cp.workspaceId)}, not ${JSON.stringify(o.workspace)} (pass --workspace)`,
      );
    }
    return [o.workspace];
  }
  if (store.workspaces === undefined) {
    throw new UsageError('this store cannot list its workspaces; pass --workspace instead of --all');
  }
  // A checkpointed workspace that vanished from the store is verified too: that is a deleted chain.
  const listed = new Set(await store.workspaces());
  for (const c of checkpoints) listed.add(c.cp.workspaceId);
  return [...listed].sort();
}

async function verifyOne(
  store: ChainStore,
  ws: string,
  checkpoints: readonly { file: string; cp: Checkpoint }[],
  keys: readonly KeyObject[],
): Promise<VerifyResult> {
  if (checkpoints.length === 0) return store.verify(ws);
  try {
    return await verifyWithCheckpoints(
      store,
      ws,
      checkpoints.map((c) => c.cp),
      keys,
      { sources: checkpoints.map((c) => `checkpoint file ${c.file}`) },
    );
  } catch (err) {
    return checkpointFailure(err);
  }
}
