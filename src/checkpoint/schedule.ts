import type { ChainStore } from '../store/chain/types.js';
import { assertWorkspaceId } from '../store/chain/validate.js';
import { ChainVerifier } from '../store/chain/verify.js';
import { CheckpointError } from './errors.js';
import type { Checkpoint } from './format.js';
import { type KeyInput, loadPrivateKey } from './keys.js';
import { signCheckpoint } from './sign.js';

export interface CheckpointScheduleOptions {
  readonly store: ChainStore;
  readonly workspaceId: string;
  readonly privateKey: KeyInput;
  /** Sign whenever the chain has grown by this many events since the last checkpoint. */
  readonly everyEvents?: number;
  /** Sign every this many milliseconds, when the chain has grown since the last checkpoint. */
  readonly everyMs?: number;
  /** Receives each checkpoint, in seq order; awaited before the next one. Put it outside the store. */
  readonly onCheckpoint: (checkpoint: Checkpoint) => void | Promise<void>;
  /** Gets failures (a store read, the callback, a chain that stops verifying); default: console.error. */
  readonly onError?: (error: unknown) => void;
}

export interface CheckpointSchedule {
  /** Catches up with the chain now and signs its head if it moved; resolves to that checkpoint or null. */
  checkpointNow(): Promise<Checkpoint | null>;
  /**
   * Stops watching, then (unless `final: false`) signs what was appended since the last checkpoint. Call
   * it before closing the store.
   */
  stop(options?: { final?: boolean }): Promise<void>;
}

/** Pages read per catch-up: the scheduler keeps only a verifier's state between them, not events. */
const PAGE = 1000;
/** Poll interval for stores without `watch`. */
const POLL_MS = 500;

/**
 * Signs checkpoints of one workspace's chain every N events and/or every T ms, for as long as it runs.
 * It attaches to the store (its `watch` feed, or polling), so it sees appends by any runtime or process.
 * It verifies the chain incrementally from genesis as it reads, and signs only heads that verified:
 * once the chain fails, it reports a `chain_invalid` CheckpointError and signs nothing more.
 */
export function startCheckpointing(options: CheckpointScheduleOptions): CheckpointSchedule {
  const { store, workspaceId, everyEvents, everyMs, onCheckpoint } = options;
  assertWorkspaceId(workspaceId);
  const key = loadPrivateKey(options.privateKey);
  for (const [name, value] of [
    ['everyEvents', everyEvents],
    ['everyMs', everyMs],
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
      throw new CheckpointError(
        'invalid_options',
        `startCheckpointing: ${name} must be a positive integer, got ${String(value)}`,
      );
    }
  }
  if (everyEvents === undefined && everyMs === undefined) {
    throw new CheckpointError('invalid_options', 'startCheckpointing: give everyEvents, everyMs, or both');
  }
  const onError = options.onError ?? ((error: unknown) => console.error('opstate checkpoint:', error));

  const verifier = new ChainVerifier(workspaceId);
  let signedSeq = 0;
  let failed = false;
  let stopped = false;
  let running: Promise<Checkpoint | null> = Promise.resolve(null);

  const emit = async (): Promise<Checkpoint | null> => {
    if (verifier.length <= signedSeq) return null;
    const cp = signCheckpoint({ workspaceId, seq: verifier.length, headHash: verifier.headHash }, key);
    signedSeq = cp.seq;
    await onCheckpoint(cp);
    return cp;
  };

  /** Reads what is new, feeding the verifier; signs at every `everyEvents` boundary, and at the end if `force`. */
  const catchUp = async (force: boolean): Promise<Checkpoint | null> => {
    if (failed) return null;
    let last: Checkpoint | null = null;
    for (;;) {
      const page = await store.read(workspaceId, { afterSeq: verifier.length, limit: PAGE });
      for (const event of page) {
        const broken = verifier.feed(event);
        if (broken !== null && !broken.ok) {
          failed = true;
          const d = broken.firstDivergence;
          throw new CheckpointError(
            'chain_invalid',
            `stopped signing workspace ${JSON.stringify(workspaceId)}: its chain fails at seq ${d.seq}: ${d.kind}: ${d.detail}`,
          );
        }
        if (everyEvents !== undefined && verifier.length - signedSeq >= everyEvents)
          last = (await emit()) ?? last;
      }
      if (page.length < PAGE) break;
    }
    if (force) last = (await emit()) ?? last;
    return last;
  };

  /** One catch-up at a time, in order; a failure goes to onError and does not stop later runs. */
  const schedule = (force: boolean): Promise<Checkpoint | null> => {
    const next = running.then(() => catchUp(force));
    running = next.catch((error: unknown) => {
      onError(error);
      return null;
    });
    return next;
  };
  const trigger = (force: boolean) => {
    if (!stopped) void schedule(force).catch(() => undefined);
  };

  const unwatch =
    store.watch?.((change) => {
      if (change.workspaceId === undefined || change.workspaceId === workspaceId) trigger(false);
    }) ?? null;
  const timers: NodeJS.Timeout[] = [];
  if (everyMs !== undefined) timers.push(setInterval(() => trigger(true), everyMs));
  if (unwatch === null && everyEvents !== undefined) timers.push(setInterval(() => trigger(false), POLL_MS));
  // Timers must not keep a process alive that has nothing else to do.
  for (const t of timers) t.unref();
  trigger(false);

  return {
    checkpointNow: () => schedule(true),
    async stop({ final = true } = {}) {
      if (stopped) return;
      stopped = true;
      unwatch?.();
      for (const t of timers) clearInterval(t);
      await running;
      if (final) await schedule(true).catch(() => undefined);
    },
  };
}
