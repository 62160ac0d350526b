import type { ChainEventInput } from './chain/types.js';

/**
 * One queued record: what the emitter queued (kept as JSON and given back as it was put, unread by the
 * store) with the chain events, idempotency keys included, minted for it.
 */
export interface OutboxRecord<TQueued> {
  readonly transition: TQueued;
  readonly events: readonly ChainEventInput[];
}

export interface StoredOutboxRecord<TQueued> extends OutboxRecord<TQueued> {
  readonly id: number;
}

/**
 * The outbox port: durable storage for an emit queue, so what is not yet appended survives a process
 * restart. The emitter writes a record before the first append attempt and removes it once the append
 * landed; on the next start, `pending()` records are appended first. Their idempotency keys were minted
 * before they were stored, so a record that landed just before a crash comes back as a duplicate, never
 * a second row.
 */
export interface Outbox<TQueued> {
  put(entry: OutboxRecord<TQueued>): Promise<number>;
  remove(id: number): Promise<void>;
  /** Records left by an earlier process, oldest first. */
  pending(): Promise<StoredOutboxRecord<TQueued>[]>;
  close(): Promise<void>;
}
