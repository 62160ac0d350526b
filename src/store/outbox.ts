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
 *
 * An outbox queues for one workspace, `workspaceId`: every record put is that workspace's, `pending()`
 * gives back only that workspace's records, and an outbox holding another workspace's records refuses to
 * open for this one (`OutboxWorkspaceError`), since the chain events carry no workspace of their own.
 */
export interface Outbox<TQueued> {
  /** The workspace whose transitions this outbox queues; the runtime refuses an outbox of another one. */
  readonly workspaceId: string;
  put(entry: OutboxRecord<TQueued>): Promise<number>;
  remove(id: number): Promise<void>;
  /** Records of `workspaceId` left by an earlier process, oldest first. */
  pending(): Promise<StoredOutboxRecord<TQueued>[]>;
  close(): Promise<void>;
}

/**
 * Why an outbox and a workspace do not go together:
 * - `foreign_leftovers`: the outbox holds entries queued for another workspace (`heldFor`), which would
 *   land in the wrong chain; they are left untouched.
 * - `unlabelled_leftovers`: the outbox file was written before entries recorded their workspace, and
 *   still holds entries; the operator must say whose they are (`unlabelledWorkspaceId`).
 * - `workspace_mismatch`: a runtime for `workspaceId` was given an outbox opened for `heldFor[0]`.
 */
export type OutboxWorkspaceProblem = 'foreign_leftovers' | 'unlabelled_leftovers' | 'workspace_mismatch';

/**
 * An outbox was opened for, or given to, a workspace whose events it must not carry. Nothing was
 * appended, moved or deleted: the entries stay in the outbox for the workspace they were queued for.
 */
export class OutboxWorkspaceError extends Error {
  override readonly name = 'OutboxWorkspaceError';
  readonly problem: OutboxWorkspaceProblem;
  /** The outbox: its file for the SQLite outbox's own refusals; for `workspace_mismatch`, which workspace it was opened for. */
  readonly outbox: string;
  /** The workspace the outbox was opened for, or the runtime runs for. */
  readonly workspaceId: string;
  /** The workspaces the outbox's entries (or, for `workspace_mismatch`, the outbox itself) belong to; empty for `unlabelled_leftovers`. */
  readonly heldFor: readonly string[];
  /** How many entries are concerned (0 for `workspace_mismatch`). */
  readonly entries: number;

  constructor(
    problem: OutboxWorkspaceProblem,
    details: { outbox: string; workspaceId: string; heldFor: readonly string[]; entries: number },
    message: string,
  ) {
    super(message);
    this.problem = problem;
    this.outbox = details.outbox;
    this.workspaceId = details.workspaceId;
    this.heldFor = details.heldFor;
    this.entries = details.entries;
  }
}
