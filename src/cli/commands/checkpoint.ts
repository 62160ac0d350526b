import { renameSync, writeFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { CheckpointError } from '../../checkpoint/errors.js';
import { formatCheckpoint } from '../../checkpoint/format.js';
import { createCheckpoint } from '../../checkpoint/sign.js';
import type { ChainStore } from '../../store/chain/types.js';
import { CommandFailure, UsageError } from '../exit-codes.js';
import { readPrivateKeyFile } from './key-files.js';

export interface CliHelpers {
  readonly storeOption: () => Option;
  readonly workspaceOption: () => Option;
  readonly withStore: <T>(spec: string, fn: (store: ChainStore, label: string) => Promise<T>) => Promise<T>;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export function registerCheckpoint(program: Command, h: CliHelpers): void {
  program
    .command('checkpoint')
    .description('verify a chain and sign its head: prints the checkpoint JSON (keep it outside the store)')
    .addOption(h.storeOption())
    .addOption(h.workspaceOption())
    .requiredOption('--private-key <file>', 'the Ed25519 private key (PKCS#8 PEM) from `opstate keygen`')
    .option('--out <file>', 'write the checkpoint to this file instead of stdout')
    .action(async (o: { store: string; workspace: string; privateKey: string; out?: string }) => {
      const key = readPrivateKeyFile(o.privateKey);
      const checkpoint = await h.withStore(o.store, async (store) => {
        try {
          return await createCheckpoint(store, o.workspace, key);
        } catch (err) {
          if (err instanceof CheckpointError) throw new CommandFailure(`${err.kind}: ${err.message}`);
          throw err;
        }
      });
      const text = formatCheckpoint(checkpoint);
      if (o.out === undefined) {
        h.out(text);
        return;
      }
      // Write then rename, so a reader never sees half a checkpoint.
      const tmp = `${o.out}.${process.pid}.tmp`;
      try {
        writeFileSync(tmp, text, { flag: 'wx' });
        renameSync(tmp, o.out);
      } catch (err) {
        throw new UsageError(`cannot write ${o.out}: ${(err as Error).message}`);
      }
      h.out(`checkpoint of ${o.workspace} at seq ${checkpoint.seq} written to ${o.out}`);
    });
}
