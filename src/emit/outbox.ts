import type { CommittedTransition } from '../machine/context.js';
import type { Outbox, OutboxRecord, StoredOutboxRecord } from '../store/outbox.js';

/** A queued transition with the chain events (idempotency keys included) minted for it. */
export type OutboxEntry = OutboxRecord<CommittedTransition>;

export type StoredOutboxEntry = StoredOutboxRecord<CommittedTransition>;

/**
 * Durable storage for the emit queue (the store's outbox port, holding committed transitions), so
 * transitions not yet appended survive a process restart. See `Outbox` for the contract.
 */
export type EmitOutbox = Outbox<CommittedTransition>;
