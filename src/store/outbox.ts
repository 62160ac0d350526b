import type { ChainEventInput } from './chain/types.js';

/**
 * A queued transition with the chain events (idempotency keys included) minted for it. The outbox keeps
 * `transition` as the emitter handed it (JSON) and gives it back unread: the emit pipeline's own
 * `CommittedTransition`, which the store layer has no need to know.
 */
export interface OutboxEntry<TTransition = unknown> {
  readonly transition: TTransition;
  readonly events: readonly ChainEventInput[];
}

export interface StoredOutboxEntry<TTransition = unknown> extends OutboxEntry<TTransition> {
  readonly id: number;
}

/**
 * Durable storage for the emit queue, so transitions not yet appended survive a process restart. The
 * pipeline writes an entry before the first append attempt and removes it once the append landed; on the
 * next start, `pending()` entries are appended first. Their idempotency keys were minted before they
 * were stored, so an entry that landed just before a crash comes back as a duplicate, never a second row.
 */
export interface EmitOutbox<TTransition = unknown> {
  put(entry: OutboxEntry<TTransition>): Promise<number>;
  remove(id: number): Promise<void>;
  /** Entries left by an earlier process, oldest first. */
  pending(): Promise<StoredOutboxEntry<TTransition>[]>;
  close(): Promise<void>;
}
