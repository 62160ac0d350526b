import type { Command } from 'commander';
import { ChainNotVerifiedError } from '../../runtime/resume-errors.js';
import { planResume, type ResumePlan } from '../../runtime/resume-plan.js';
import type { ChainStore } from '../../store/chain/types.js';
import { CommandFailure } from '../exit-codes.js';
import { showControls } from '../../util/control-chars.js';
import type { CliHelpers } from './checkpoint.js';

/** What `opstate status` reports: what a resume would start in, the owner, the last verified seq. */
export interface StatusReport extends ResumePlan {
  readonly store: string;
}

function posture(p: { claimPermission: string; degradationReasons: readonly string[] }): string {
  const reasons =
    p.degradationReasons.length > 0 ? `, reasons ${showControls(p.degradationReasons.join(','))}` : '';
  return `claim ${p.claimPermission}${reasons}`;
}

export function formatStatus(r: StatusReport): string {
  const from =
    r.verifiedFrom === 'genesis' ? 'from genesis' : `from checkpoint seq ${r.verifiedFrom.checkpointSeq}`;
  const last = r.lastTransition;
  const owner = r.owner;
  return [
    `workspace    ${r.workspaceId} in ${r.store}`,
    `verified     through seq ${r.lastVerifiedSeq} (${from})`,
    `last         ${last === null ? '(no transition)' : `seq ${last.seq}: → ${last.state} (${posture(last)})`}`,
    `resume       would start in ${r.startsIn.state} (${posture(r.startsIn)})`,
    `owner        ${owner === null ? '(never claimed: no resume yet)' : `epoch ${owner.epoch}, claimed ${owner.claimedAt} at seq ${owner.resumedFromSeq}`}`,
  ].join('\n');
}

/** The report for one workspace; a chain that does not verify is a CommandFailure naming seq and kind. */
export async function statusOf(store: ChainStore, label: string, workspaceId: string): Promise<StatusReport> {
  try {
    return { store: label, ...(await planResume(store, workspaceId)) };
  } catch (err) {
    if (err instanceof ChainNotVerifiedError)
      throw new CommandFailure(`${err.message}: a resume would refuse it`);
    throw err;
  }
}

export function registerStatus(program: Command, h: CliHelpers): void {
  program
    .command('status')
    .description('what a resume of the workspace would start in, its owner epoch and the last verified seq')
    .addOption(h.storeOption())
    .addOption(h.workspaceOption())
    .option('--json', 'print as JSON', false)
    .action(async (o: { store: string; workspace: string; json: boolean }) => {
      await h.withStore(o.store, async (store, label) => {
        const report = await statusOf(store, label, o.workspace);
        h.out(o.json ? JSON.stringify(report, null, 2) : formatStatus(report));
      });
    });
}
