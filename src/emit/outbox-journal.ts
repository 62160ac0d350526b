import { type Logger, safeLog } from '../logger.js';
import type { CommittedTransition } from '../machine/context.js';
import type { ChainEventInput } from '../store/chain/types.js';
import type { QueuedEmit } from './emit-outcome.js';
import type { EmitOutbox } from './outbox.js';

/**
 * The durable half of the emit queue: each transition is written to the outbox before its first append
 * attempt and removed once it landed (or was refused), and what an earlier process left is handed back
 * to be appended first. A pipeline without an outbox has no journal at all, so its hot path pays nothing.
 */
export class OutboxJournal {
  readonly #outbox: EmitOutbox;
  readonly #logger: Logger;
  #lastStored: Promise<unknown> = Promise.resolve(null);

  constructor(outbox: EmitOutbox, logger: Logger) {
    this.#outbox = outbox;
    this.#logger = logger;
  }

  /** Leftovers of an earlier process as queue items, oldest first. Never rejects: an unreadable outbox is logged and left as it is. */
  async recover(): Promise<QueuedEmit[]> {
    try {
      const leftovers = await this.#outbox.pending();
      if (leftovers.length === 0) return [];
      const queuedAt = performance.now();
      safeLog(
        this.#logger,
        'warn',
        { recovered: leftovers.length },
        `emit outbox: ${leftovers.length} transition(s) left by an earlier process are appended first`,
      );
      return leftovers.map((e) => ({
        transition: e.transition,
        events: e.events,
        attempts: 0,
        stored: Promise.resolve(e.id),
        queuedAt,
      }));
    } catch (err) {
      safeLog(this.#logger, 'error', { err }, 'emit outbox could not be read; earlier leftovers stay in it');
      return [];
    }
  }

  /** Writes the transition's entry; resolves to its id, or null when writing failed (logged: the transition is then in memory only). */
  store(transition: CommittedTransition, events: readonly ChainEventInput[]): Promise<number | null> {
    const stored = this.#outbox.put({ transition, events }).catch((err: unknown) => {
      safeLog(
        this.#logger,
        'error',
        { err, from: transition.from, to: transition.to, trigger: transition.trigger },
        'emit outbox write failed: this transition is queued in memory only and would not survive a restart',
      );
      return null;
    });
    this.#lastStored = stored;
    return stored;
  }

  /** Resolves once every entry stored so far is written (writes complete in order). */
  persisted(): Promise<void> {
    return this.#lastStored.then(() => undefined);
  }

  async unstore(item: QueuedEmit): Promise<void> {
    const id = await item.stored;
    if (id === null) return;
    try {
      await this.#outbox.remove(id);
    } catch (err) {
      // Harmless: the entry is appended again on the next start and comes back as a duplicate.
      safeLog(this.#logger, 'warn', { err, outboxId: id }, 'emit outbox entry could not be removed');
    }
  }
}
