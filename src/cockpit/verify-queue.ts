import { type Logger, safeLog } from '../logger.js';
import type { ChainStore, VerifyResult } from '../store/chain/types.js';
import type { WorkspaceFollower, WorkspaceSummary } from './summary.js';

/** Events per read: the store's maximum page, so a long chain costs few round trips. */
const PAGE = 10_000;
/** Verifications in flight at once: hides a network store's round trips; SQLite's run one by one anyway. */
const VERIFY_CONCURRENCY = 2;
export const VERIFY_RETRY_MS = 1000;
/** How long verification holds the thread before it yields to everything else. */
const VERIFY_SLICE_MS = 10;

/** What the queue needs of the fleet it verifies. */
export interface VerifyQueueHost {
  readonly store: ChainStore;
  readonly logger: Logger;
  closed(): boolean;
  /** Resolves once the fleet has read every change reported so far. */
  settled(): Promise<void>;
  follower(workspaceId: string): WorkspaceFollower | undefined;
  /** Runs `fn` in turn with the fleet's reads: a follower's events reach its verifier in seq order. */
  locked<T>(fn: () => Promise<T>): Promise<T>;
  /** A workspace got its verdict. */
  changed(row: WorkspaceSummary): void;
}

/*
 * Verification stays off the table's critical path: the rows show first, then each workspace gets the
 * store's own verify (stored canonical text, head row, cut tail), in the background, and is followed
 * from the verified head on. A chain longer than what was read is caught up here.
 */
export class VerifyQueue {
  readonly #host: VerifyQueueHost;
  /** Workspaces to verify, in order; `#next` is the next one (a queue without shifting 100k). */
  readonly #queue: string[] = [];
  #next = 0;
  #sliceStart = 0;
  readonly #inFlight = new Set<string>();
  #running: Promise<void> | null = null;
  #verdicts = 0;

  constructor(host: VerifyQueueHost) {
    this.#host = host;
  }

  /** Workspaces with a verdict (verifies true or false). */
  get verdicts(): number {
    return this.#verdicts;
  }

  /** Resolves once every workspace queued so far has a verdict. */
  async idle(): Promise<void> {
    while (this.#running !== null) await this.#running;
  }

  add(workspaceId: string): void {
    this.#queue.push(workspaceId);
    this.#running ??= Promise.all(Array.from({ length: VERIFY_CONCURRENCY }, () => this.#work())).then(
      () => {
        this.#running = null;
        this.#queue.length = 0;
        this.#next = 0;
      },
      () => {
        this.#running = null;
      },
    );
  }

  async #work(): Promise<void> {
    const host = this.#host;
    while (!host.closed() && this.#next < this.#queue.length) {
      // Reading comes first (it is what the table waits for); verification uses the gaps between reads.
      await host.settled();
      // An embedded store verifies on this thread: after a slice, let the page, the socket and the
      // change feed have their turn, so a transition still shows within a tick while 100,000 verify.
      if (performance.now() - this.#sliceStart > VERIFY_SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        this.#sliceStart = performance.now();
      }
      if (this.#next >= this.#queue.length) break;
      const ws = this.#queue[this.#next++] as string;
      const follower = host.follower(ws);
      if (follower === undefined || follower.seeded || this.#inFlight.has(ws)) continue;
      let result: VerifyResult;
      this.#verdicts += 1;
      this.#inFlight.add(ws);
      try {
        result = await host.store.verify(ws);
      } catch (err) {
        this.#inFlight.delete(ws);
        if (host.closed()) return;
        safeLog(host.logger, 'warn', { err, workspaceId: ws }, 'cockpit: verify failed; will retry');
        this.#verdicts -= 1;
        // Back to the end of the queue, after a pause: a store that is briefly out of connections or
        // down gets the time to recover instead of a burst of failures.
        this.#queue.push(ws);
        await new Promise((resolve) => setTimeout(resolve, VERIFY_RETRY_MS).unref());
        continue;
      }
      await host
        .locked(async () => {
          let after = follower.seed(result);
          while (after !== null && after < follower.readUpTo) {
            const events = await host.store.read(ws, { afterSeq: after, limit: PAGE });
            const upTo = events.filter((e) => e.seq <= follower.readUpTo);
            follower.verifyOnly(upTo);
            after = upTo.length === PAGE ? (upTo.at(-1)?.seq ?? null) : null;
          }
        })
        .finally(() => this.#inFlight.delete(ws));
      host.changed(follower.summary());
    }
  }
}
