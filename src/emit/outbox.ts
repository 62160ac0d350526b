import type { CommittedTransition } from '../machine/context.js';
import type { ChainEventInput } from '../store/chain/types.js';

/** A queued transition with the chain events (idempotency keys included) minted for it. */
export interface OutboxEntry {
  readonly transition: CommittedTransition;
  readonly events: readonly ChainEventInput[];
}

export interface StoredOutboxEntry extends OutboxEntry {
  readonly id: number;
}

/**
 * Durable storage for the emit queue, so transitions not yet appended survive a process restart. The
 * pipeline writes an entry before the first append attempt and removes it once the append landed; on the
 * next start, `pending()` entries are appended first. Their idempotency keys were minted before they
 * were stored, so an entry that landed just before a crash comes back as a duplicate, never a second row.
 */
export interface EmitOutbox {
  put(entry: OutboxEntry): Promise<number>;
  remove(id: number): Promise<void>;
  /** Entries left by an earlier process, oldest first. */
  pending(): Promise<StoredOutboxEntry[]>;
  close(): Promise<void>;
}
