import { type Logger, safeLog } from '../logger.js';
import { isFencedError, WorkspaceFencedError, type WorkspaceOwnership } from '../store/chain/owner.js';
import type { ChainStore } from '../store/chain/types.js';
import { markStoreKind, storeKindOf } from '../store/store-kind.js';

/**
 * A resumed runtime's hold on its workspace: the store view its emits go through (every append made as
 * owner of `epoch`), and what happens once a later claim fences it: logged once at error, no store call
 * after that, and requests refused.
 */
export class OwnerFence {
  readonly #store: ChainStore;
  readonly #ownership: WorkspaceOwnership;
  readonly #workspaceId: string;
  readonly #epoch: number;
  readonly #logger: Logger;
  #error: WorkspaceFencedError | null = null;

  constructor(
    store: ChainStore,
    ownership: WorkspaceOwnership,
    workspaceId: string,
    epoch: number,
    logger: Logger,
  ) {
    this.#store = store;
    this.#ownership = ownership;
    this.#workspaceId = workspaceId;
    this.#epoch = epoch;
    this.#logger = logger;
  }

  get fenced(): boolean {
    return this.#error !== null;
  }

  /** Throws the fence's error once fenced (before a request reaches the chart). */
  assertOwner(): void {
    if (this.#error !== null) throw this.#error;
  }

  /** Records the fence (the first time only, which is the one logged). */
  trip(err: WorkspaceFencedError): void {
    if (this.#error !== null) return;
    this.#error = err;
    safeLog(
      this.#logger,
      'error',
      { err, workspaceId: this.#workspaceId, epoch: this.#epoch, ownerEpoch: err.ownerEpoch },
      `opstate: ${err.message}. This runtime appends nothing more and refuses transitions; the newer owner holds the workspace.`,
    );
  }

  /** The store as the emit pipeline sees it: appends go through the owner check. */
  view(): ChainStore {
    const store = this.#store;
    const kind = storeKindOf(store);
    const view: ChainStore = {
      append: async (workspaceId, events) => {
        if (this.#error !== null) throw this.#error;
        try {
          return await this.#ownership.appendAsOwner(workspaceId, this.#epoch, events);
        } catch (err) {
          if (err instanceof WorkspaceFencedError) this.trip(err);
          throw err;
        }
      },
      read: (workspaceId, options) => store.read(workspaceId, options),
      verify: (workspaceId) => store.verify(workspaceId),
      // The runtime never closes its store; neither does this view.
      close: async () => {},
    };
    // Metrics label appends by engine: the view is the engine it fronts.
    return kind === 'custom' ? view : markStoreKind(view, kind);
  }

  /**
   * The logger for the runtime's parts: the pipeline's per-emit error line for a fenced append is
   * dropped, since the fence logged it once.
   */
  logger(): Logger {
    const base = this.#logger;
    const unlessFenced =
      (level: keyof Logger) =>
      (fields: object, message?: string): void => {
        if (isFencedError((fields as { err?: unknown }).err)) return;
        base[level](fields, message);
      };
    return {
      error: unlessFenced('error'),
      warn: unlessFenced('warn'),
      info: (fields, message) => base.info(fields, message),
      debug: (fields, message) => base.debug(fields, message),
    };
  }
}
