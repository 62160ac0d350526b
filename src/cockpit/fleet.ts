import { OperationalStateInputError } from '../errors.js';
import { consoleLogger, type Logger, safeLog } from '../logger.js';
import type { ChainStore, StoreChange, WorkspaceHead } from '../store/chain/types.js';
import { type WorkspaceSummary, WorkspaceFollower } from './summary.js';
import { VERIFY_RETRY_MS, VerifyQueue } from './verify-queue.js';
import type { VerifyProgress, WatchMode } from './watch-mode.js';

export { describeWatchMode, type VerifyProgress, type WatchMode } from './watch-mode.js';

/** Events per read: the store's maximum page, so a long chain costs few round trips. */
const PAGE = 10_000;
/** Workspaces read at once on a sweep: enough to hide a network store's latency, few enough to be polite. */
const CONCURRENCY = 8;
export const DEFAULT_POLL_MS = 500;
/** The fleet summary's first page: a screenful and more, so the table shows before the fleet is in. */
const FIRST_PAGE = 1_000;
/** Its next pages: short enough that the socket and the page get their turns between them. */
const SUMMARY_PAGE = 2_000;

export interface FleetOptions {
  /** Without a `watch` on the store: how often to look for new events (default 500 ms). */
  readonly pollMs?: number;
  readonly logger?: Logger;
}

/** How the fleet learns of new events: the store's change feed, or polling when it has none. */
export type FeedKind = 'watch' | 'poll';

/**
 * Every workspace in a store, followed from its chain alone: the cockpit's model. It only reads
 * (`workspaces`, `read(afterSeq)`), never appends or migrates, and reads each chain once: after the first
 * load only what is new. Memory is one summary per workspace, whatever the chains' length.
 */
export class Fleet {
  readonly #store: ChainStore;
  readonly #followers = new Map<string, WorkspaceFollower>();
  readonly #pollMs: number;
  readonly #logger: Logger;
  readonly #listeners = new Set<(changed: readonly WorkspaceSummary[]) => void>();
  /** Workspaces to read again; `null` marks "all" (a change that did not say which). */
  #dirty: Set<string> | null = new Set();
  #pumping: Promise<void> | null = null;
  #stopFeed: (() => void) | null = null;
  #closed = false;
  /** Reads and verifier seeding take turns: a follower's events must reach its verifier in seq order. */
  #lock: Promise<unknown> = Promise.resolve();
  readonly #verify: VerifyQueue;
  #loading: Promise<void> | null = null;
  #firstPageIn: (() => void) | null = null;
  readonly #firstPage = new Promise<void>((resolve) => (this.#firstPageIn = resolve));
  #loaded = false;
  feed: FeedKind | null = null;

  constructor(store: ChainStore, options: FleetOptions = {}) {
    if (typeof store?.read !== 'function') {
      throw new OperationalStateInputError('store', store, 'expected a ChainStore');
    }
    if (typeof store.workspaces !== 'function') {
      throw new OperationalStateInputError(
        'store',
        store,
        'the cockpit needs a store that lists its workspaces (every opstate store does)',
      );
    }
    const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    if (!Number.isInteger(pollMs) || pollMs < 10 || pollMs > 600_000) {
      throw new OperationalStateInputError('pollMs', pollMs, 'expected an integer from 10 to 600000');
    }
    this.#store = store;
    this.#pollMs = pollMs;
    this.#logger = options.logger ?? consoleLogger;
    this.#verify = new VerifyQueue({
      store,
      logger: this.#logger,
      closed: () => this.#closed,
      settled: () => this.settled(),
      follower: (ws) => this.#followers.get(ws),
      locked: (fn) => this.#locked(fn),
      changed: (row) => {
        for (const listener of this.#listeners) listener([row]);
      },
    });
  }

  /**
   * Loads every workspace: from the store's fleet summary (heads and last transitions, a page of
   * workspaces per query, in id order) when it has one, else by reading each chain once. Subscribers
   * hear of each page as it lands. Verification follows in the background, once everything is loaded.
   * Rejects only when the first page cannot be read; a later page that fails is retried. Called again
   * after it resolved, it reads the summary again (workspaces already followed are read on).
   */
  load(): Promise<void> {
    // A load in progress is joined; after one has finished, the next reads the summary again.
    if (this.#loading === null || this.#loaded) {
      this.#loaded = false;
      this.#loading = this.#loadPages().catch((err: unknown) => {
        this.#loading = null;
        throw err;
      });
    }
    return this.#loading;
  }

  /**
   * Starts `load()` and resolves once its first page is in: the first screen of the table (in id
   * order) is ready while the rest of the fleet keeps loading.
   */
  async loadFirstPage(): Promise<void> {
    await Promise.race([this.load(), this.#firstPage]);
  }

  /** Whether every workspace the store had when `load()` started is in. */
  get loaded(): boolean {
    return this.#loaded;
  }

  async #loadPages(): Promise<void> {
    if (typeof this.#store.fleetSummary !== 'function') {
      this.#dirty = null;
      await this.#pump();
    } else {
      let after: string | null = null;
      for (;;) {
        const limit = after === null ? FIRST_PAGE : SUMMARY_PAGE;
        let heads;
        try {
          heads = await this.#store.fleetSummary(after === null ? { limit } : { after, limit });
        } catch (err) {
          if (after === null || this.#closed) throw err;
          safeLog(this.#logger, 'warn', { err }, 'cockpit: loading the fleet failed; will retry');
          await new Promise((resolve) => setTimeout(resolve, VERIFY_RETRY_MS).unref());
          continue;
        }
        if (this.#closed) return;
        await this.#adopt(heads);
        this.#firstPageIn?.();
        if (heads.length < limit) break;
        after = (heads.at(-1) as WorkspaceHead).workspaceId;
        // Between pages the socket and the change feed have their turn (an embedded store's query
        // holds the thread while it runs).
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    this.#loaded = true;
    this.#firstPageIn?.();
    for (const ws of this.#followers.keys()) this.#verify.add(ws);
  }

  async #adopt(heads: readonly WorkspaceHead[]): Promise<void> {
    const known: string[] = [];
    const added: WorkspaceSummary[] = [];
    await this.#locked(async () => {
      for (const head of heads) {
        const had = this.#followers.get(head.workspaceId);
        if (had !== undefined) {
          if (had.readUpTo !== head.seq) known.push(head.workspaceId);
          continue;
        }
        const follower = new WorkspaceFollower(head.workspaceId);
        follower.adopt(head);
        this.#followers.set(head.workspaceId, follower);
        added.push(follower.summary());
      }
    });
    if (added.length > 0) for (const listener of this.#listeners) listener(added);
    // A workspace already followed is read on from where it was: its state's clock keeps counting.
    if (known.length > 0) {
      if (this.#dirty !== null) for (const ws of known) this.#dirty.add(ws);
      await this.#pump();
    }
  }

  /** How this fleet learns of new events, in words a person can check. */
  watchMode(): WatchMode {
    if (this.feed === 'poll') {
      return { kind: 'poll', intervalMs: this.#pollMs, detail: 'the store has no change feed: polling' };
    }
    const own = this.#store.watchMode?.();
    if (own !== undefined) return own;
    return { kind: 'push', detail: "the store's change feed (watch)" };
  }

  /** Workspaces with a verdict (verifies true or false) out of all known. */
  progress(): VerifyProgress {
    return { verified: this.#verify.verdicts, total: this.#followers.size };
  }

  /** Follows the store from now on: its `watch` when it has one, else polling every `pollMs`. */
  follow(): void {
    if (this.#stopFeed !== null || this.#closed) return;
    if (typeof this.#store.watch === 'function') {
      this.feed = 'watch';
      this.#stopFeed = this.#store.watch((change) => this.#changed(change));
      return;
    }
    this.feed = 'poll';
    const timer = setInterval(() => this.#changed({}), this.#pollMs);
    timer.unref();
    this.#stopFeed = () => clearInterval(timer);
  }

  /** Calls `listener` with the summaries that changed, after each read that changed any. */
  subscribe(listener: (changed: readonly WorkspaceSummary[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Every workspace's summary, in workspace order. */
  summaries(): WorkspaceSummary[] {
    return [...this.#followers.values()].map((f) => f.summary());
  }

  get(workspaceId: string): WorkspaceSummary | undefined {
    return this.#followers.get(workspaceId)?.summary();
  }

  get size(): number {
    return this.#followers.size;
  }

  /** Resolves once every change reported so far has been read. */
  async settled(): Promise<void> {
    while (this.#pumping !== null) await this.#pumping;
  }

  /** Resolves once every workspace read so far has a verdict (`verifies` is no longer null). */
  async verified(): Promise<void> {
    await this.settled();
    await this.#verify.idle();
  }

  close(): void {
    this.#closed = true;
    this.#stopFeed?.();
    this.#stopFeed = null;
    this.#listeners.clear();
  }

  #changed(change: StoreChange): void {
    if (this.#closed) return;
    if (change.workspaceId === undefined) this.#dirty = null;
    else if (this.#dirty !== null) {
      // A change we have already read (a late notification) needs no read.
      const known = this.#followers.get(change.workspaceId);
      if (known === undefined || change.seq === undefined || change.seq > known.readUpTo) {
        this.#dirty.add(change.workspaceId);
      }
    }
    void this.#pump();
  }

  /** One reader at a time; changes that arrive meanwhile are read in the next round. */
  #pump(): Promise<void> {
    if (this.#pumping !== null) return this.#pumping;
    this.#pumping = (async () => {
      try {
        while (!this.#closed && (this.#dirty === null || this.#dirty.size > 0)) {
          const all = this.#dirty === null;
          const names = all ? await this.#movedWorkspaces() : [...(this.#dirty ?? [])];
          this.#dirty = new Set();
          const changed = await this.#locked(() => this.#readAll(names));
          if (changed.length > 0) for (const listener of this.#listeners) listener(changed);
        }
      } catch (err) {
        // A reader must survive a store hiccup: log it and try again on the next change or poll.
        safeLog(this.#logger, 'warn', { err }, 'cockpit: reading the store failed; will retry');
        this.#dirty ??= new Set();
      } finally {
        this.#pumping = null;
      }
    })();
    return this.#pumping;
  }

  /**
   * On a change that did not say where: with a fleet summary, only the workspaces whose head moved past
   * what was read (one query), else every workspace.
   */
  async #movedWorkspaces(): Promise<string[]> {
    if (typeof this.#store.fleetSummary !== 'function') return this.#store.workspaces!();
    const heads = await this.#store.fleetSummary();
    return heads
      .filter((h) => h.seq !== (this.#followers.get(h.workspaceId)?.readUpTo ?? -1))
      .map((h) => h.workspaceId);
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  async #readAll(names: readonly string[]): Promise<WorkspaceSummary[]> {
    const changed: WorkspaceSummary[] = [];
    let next = 0;
    const worker = async () => {
      while (next < names.length) {
        const ws = names[next++] as string;
        let follower = this.#followers.get(ws);
        if (follower === undefined) {
          follower = new WorkspaceFollower(ws);
          this.#followers.set(ws, follower);
        }
        const before = follower.version;
        for (;;) {
          const events = await this.#store.read(ws, { afterSeq: follower.readUpTo, limit: PAGE });
          follower.feed(events);
          if (events.length < PAGE) break;
        }
        if (follower.version !== before) changed.push(follower.summary());
        if (!follower.seeded) this.#verify.add(ws);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, names.length) }, worker));
    return changed;
  }
}
