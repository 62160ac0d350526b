import type { ResumeOptions } from './resume.js';
import type { OperationalStateRuntime, RuntimeTarget } from './types.js';

/**
 * Starts the agent of a workspace where its chain ends: reads the chain (and what `options.outbox` still
 * holds: an unlanded transition is part of the agent's past), verifies it, claims the workspace with a
 * new owner epoch and starts the runtime in the posture the chain ends in:
 *
 * - empty chain → `booting`, as createOperationalState;
 * - `booting`/`ready`/`active` → `booting`, degradation reasons kept, claim permission `none`;
 * - `paused` → `paused`, with the chain's claim permission and reasons;
 * - `stopped` → `booting` (a new life; `resume.policy.afterStopped: 'refuse'` rejects instead).
 *
 * Rejects with ChainNotVerifiedError (naming seq and kind) when the chain does not verify: nothing is
 * started. From the claim on, an older runtime of the workspace is fenced: its next append is refused.
 *
 * ```ts
 * const store = await openSqliteChainStore({ file: './.opstate/chain.db' });
 * const runtime = await resumeOperationalState({ store, workspaceId: 'org_acme' });
 * runtime.current.primaryState; // 'paused' if an operator paused it before the restart
 * ```
 */
export async function resumeOperationalState(
  target: RuntimeTarget,
  options: ResumeOptions = {},
): Promise<OperationalStateRuntime> {
  // The resume path (chain reading, checkpoint authentication, the owner fence) loads with its first use.
  const { resumeOperationalState: resume } = await import('./resume.js');
  return resume(target, options);
}
