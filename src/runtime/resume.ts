import type { Checkpoint } from '../checkpoint/format.js';
import type { KeyInput } from '../checkpoint/keys.js';
import type { OutboxEntry } from '../emit/outbox.js';
import { outboxMismatch } from '../emit/outbox-workspace.js';
import { ChainStoreError, OperationalStateInputError } from '../errors.js';
import { consoleLogger, type Logger, safeLog } from '../logger.js';
import {
  type OwnerClaim,
  ownershipOf,
  WorkspaceFencedError,
  type WorkspaceOwnership,
} from '../store/chain/owner.js';
import type { ChainStore } from '../store/chain/types.js';
import { withTimeout } from '../util/with-timeout.js';
import { startOperationalState } from './create-operational-state.js';
import { parseOptions, providerOf, readInput } from './inputs.js';
import { OwnerFence } from './resume-fence.js';
import { type ResumePlan, planResume } from './resume-plan.js';
import type { ResumePolicy } from './resume-posture.js';
import type { OperationalStateRuntime, RuntimeOptions, RuntimeTarget } from './types.js';

/** How to resume: what to trust, what to wait for, and the table's overridable rows. */
export interface ResumeSettings {
  /** Your latest signed checkpoint of this workspace (kept outside the store): verify only from it on. */
  readonly checkpoint?: Checkpoint;
  /** Several checkpoints: the latest one that authenticates (and names this workspace) is used. */
  readonly checkpoints?: readonly Checkpoint[];
  /** The public key(s) the checkpoints are checked against (PEM or KeyObject). */
  readonly publicKey?: KeyInput | readonly KeyInput[];
  /**
   * While the store is down (unavailable, timed out, locked), keep trying (backoff up to 2 s) instead of
   * rejecting with the store's error. Default false.
   */
  readonly waitForStore?: boolean;
  /**
   * Bound on the resume's own store calls (claim, owner check, outbox read; default 10000 ms); past it, a
   * `timeout` ChainStoreError. Verifying the chain is bounded by the store's own timeouts instead.
   */
  readonly storeTimeoutMs?: number;
  /** The overridable rows of the resume table. */
  readonly policy?: ResumePolicy;
}

export interface ResumeOptions extends RuntimeOptions {
  readonly resume?: ResumeSettings;
}

const DEFAULT_STORE_TIMEOUT_MS = 10_000;
const TRANSIENT: ReadonlySet<string> = new Set(['unavailable', 'timeout', 'locked']);

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
  const { resume: rawSettings, ...runtimeOptions } = readInput('options', options, () => ({ ...options }));
  const settings = parseSettings(rawSettings);
  const opts = parseOptions(runtimeOptions);
  if (opts.snapshot !== undefined) {
    throw new OperationalStateInputError(
      'options.snapshot',
      opts.snapshot,
      'resume starts from the chain; pass a snapshot to createOperationalState instead',
    );
  }
  providerOf(target);
  if (target.store === undefined) {
    throw new OperationalStateInputError(
      'target',
      target,
      'resume needs { store, workspaceId } (not a provider)',
    );
  }
  const { store, workspaceId } = target;
  // Before the outbox is read: another workspace's leftovers must not set this one's posture.
  if (opts.outbox !== undefined && opts.outbox.workspaceId !== workspaceId) {
    throw outboxMismatch(opts.outbox.workspaceId, workspaceId);
  }
  const logger = opts.logger ?? consoleLogger;
  const ownership = ownershipOf(store);
  if (ownership === null) {
    safeLog(
      logger,
      'warn',
      { workspaceId },
      'opstate: this chain store keeps no owners; the resumed runtime is not fenced against another resume',
    );
  }
  const { claim, plan } = await untilStoreAnswers(settings, logger, async () => {
    const leftovers: OutboxEntry[] =
      opts.outbox !== undefined ? await bounded(settings, opts.outbox.pending()) : [];
    // Claim first: from here no older owner appends, so the chain read next is the whole previous life.
    const claimed = ownership === null ? null : await bounded(settings, ownership.claim(workspaceId));
    // Not bounded as a whole: verifying a long chain takes as long as it takes; each store call inside
    // is bounded by the store's own timeouts.
    const planned = await planResume(store, workspaceId, planOptions(settings, leftovers));
    return { claim: claimed, plan: planned };
  });
  return start(target, runtimeOptions, { store, workspaceId, ownership, claim, plan, logger, settings });
}

interface Started {
  readonly store: ChainStore;
  readonly workspaceId: string;
  readonly ownership: WorkspaceOwnership | null;
  readonly claim: OwnerClaim | null;
  readonly plan: ResumePlan;
  readonly logger: Logger;
  readonly settings: ResumeSettings;
}

async function start(
  target: RuntimeTarget,
  options: RuntimeOptions,
  s: Started,
): Promise<OperationalStateRuntime> {
  const { claim, plan, ownership, workspaceId } = s;
  const fence =
    claim === null || ownership === null
      ? null
      : new OwnerFence(s.store, ownership, workspaceId, claim.epoch, s.logger);
  const runtime = startOperationalState(target, options, {
    posture: plan.startsIn,
    resumedFrom: {
      seq: plan.lastVerifiedSeq,
      state: plan.lastTransition?.state ?? null,
      epoch: claim?.epoch ?? null,
      outboxLeftovers: plan.outboxLeftovers,
    },
    ...(fence === null
      ? {}
      : {
          provider: { connection: fence.view(), resolveWorkspaceId: () => workspaceId },
          logger: fence.logger(),
          beforeRequest: () => fence.assertOwner(),
          fenced: () => fence.fenced,
        }),
  });
  if (fence === null || ownership === null || claim === null) return runtime;
  // Two resumes at once: the one whose claim was overtaken while it read the chain does not own the
  // workspace. Booting, it goes paused through the chart's epoch-mismatch row (gate 3b); its append is
  // refused like any other of a fenced runtime.
  const now = await bounded(s.settings, ownership.current(workspaceId)).catch(() => null);
  if (now !== null && now.epoch !== claim.epoch) {
    if (runtime.current.primaryState === 'booting') await runtime.send({ type: 'EPOCH_MISMATCH' });
    fence.trip(new WorkspaceFencedError(workspaceId, claim.epoch, now.epoch));
  }
  return runtime;
}

function planOptions(settings: ResumeSettings, outbox: readonly OutboxEntry[]) {
  const checkpoints = [
    ...(settings.checkpoints ?? []),
    ...(settings.checkpoint !== undefined ? [settings.checkpoint] : []),
  ];
  const keys =
    settings.publicKey === undefined
      ? []
      : Array.isArray(settings.publicKey)
        ? settings.publicKey
        : [settings.publicKey];
  return {
    checkpoints,
    publicKeys: keys as readonly KeyInput[],
    ...(settings.policy !== undefined ? { policy: settings.policy } : {}),
    outbox,
  };
}

function bounded<T>(settings: ResumeSettings, work: Promise<T>): Promise<T> {
  const ms = settings.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  return withTimeout(
    work,
    ms,
    () => new ChainStoreError('timeout', `the chain store did not answer within ${ms} ms during resume`),
  );
}

/** Runs `attempt`; with `waitForStore`, again after a backoff for as long as the store is down. */
async function untilStoreAnswers<T>(
  settings: ResumeSettings,
  logger: Logger,
  attempt: () => Promise<T>,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (err) {
      const transient = err instanceof ChainStoreError && TRANSIENT.has(err.kind);
      if (!transient || settings.waitForStore !== true) throw err;
      const delayMs = Math.min(2000, 100 * 2 ** (tries - 1));
      safeLog(
        logger,
        tries === 1 ? 'warn' : 'debug',
        { err, attempt: tries, retryInMs: delayMs },
        'opstate: the chain store is down; resume waits for it (resume.waitForStore)',
      );
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

function parseSettings(raw: unknown): ResumeSettings {
  if (raw === undefined) return {};
  return readInput('options.resume', raw, () => {
    if (typeof raw !== 'object' || raw === null) {
      throw new OperationalStateInputError('options.resume', raw, 'expected an object');
    }
    const r = raw as Record<string, unknown>;
    const known = new Set([
      'checkpoint',
      'checkpoints',
      'publicKey',
      'waitForStore',
      'storeTimeoutMs',
      'policy',
    ]);
    for (const key of Object.keys(r)) {
      if (!known.has(key))
        throw new OperationalStateInputError(`options.resume.${key}`, r[key], 'unknown option');
    }
    if (r.waitForStore !== undefined && typeof r.waitForStore !== 'boolean') {
      throw new OperationalStateInputError(
        'options.resume.waitForStore',
        r.waitForStore,
        'expected a boolean',
      );
    }
    const t = r.storeTimeoutMs;
    if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 3_600_000)) {
      throw new OperationalStateInputError(
        'options.resume.storeTimeoutMs',
        t,
        'expected an integer of 1..3600000',
      );
    }
    if (r.checkpoints !== undefined && !Array.isArray(r.checkpoints)) {
      throw new OperationalStateInputError(
        'options.resume.checkpoints',
        r.checkpoints,
        'expected an array of checkpoints',
      );
    }
    const hasCheckpoint =
      r.checkpoint !== undefined || (Array.isArray(r.checkpoints) && r.checkpoints.length > 0);
    if (hasCheckpoint && r.publicKey === undefined) {
      throw new OperationalStateInputError(
        'options.resume.publicKey',
        undefined,
        'checkpoints need the public key to authenticate them',
      );
    }
    const p = r.policy;
    if (p !== undefined) {
      if (typeof p !== 'object' || p === null)
        throw new OperationalStateInputError('options.resume.policy', p, 'expected an object');
      const pol = p as Record<string, unknown>;
      for (const key of Object.keys(pol)) {
        if (key !== 'afterStopped' && key !== 'keepReasons') {
          throw new OperationalStateInputError(
            `options.resume.policy.${key}`,
            pol[key],
            'unknown option (afterStopped, keepReasons)',
          );
        }
      }
      if (pol.afterStopped !== undefined && pol.afterStopped !== 'booting' && pol.afterStopped !== 'refuse') {
        throw new OperationalStateInputError(
          'options.resume.policy.afterStopped',
          pol.afterStopped,
          "expected 'booting' or 'refuse'",
        );
      }
      if (pol.keepReasons !== undefined && typeof pol.keepReasons !== 'boolean') {
        throw new OperationalStateInputError(
          'options.resume.policy.keepReasons',
          pol.keepReasons,
          'expected a boolean',
        );
      }
    }
    return { ...(r as ResumeSettings) };
  });
}
