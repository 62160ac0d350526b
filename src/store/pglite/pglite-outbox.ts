import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { EmitOutbox, OutboxEntry, StoredOutboxEntry } from '../../emit/outbox.js';
import { ChainStoreError } from '../../errors.js';
import { acquireDirLock } from './dir-lock.js';
import { closeOnSignals } from '../postgres/signals.js';

export interface PgliteOutboxOptions {
  /** Where the outbox lives; locked exclusively like a PGlite chain store's directory. */
  readonly dataDir: string;
  /** Close cleanly on SIGINT/SIGTERM (default true). */
  readonly closeOnSignals?: boolean;
}

/**
 * A local PGlite outbox for the emit queue (see EmitOutbox). Same durability as the PGlite chain store:
 * it survives the process dying, not necessarily the operating system.
 */
export async function openPgliteOutbox(options: PgliteOutboxOptions): Promise<EmitOutbox> {
  const { dataDir } = options;
  if (typeof dataDir !== 'string' || dataDir.length === 0) {
    throw new ChainStoreError(
      'invalid_input',
      `dataDir must be a non-empty path, got ${JSON.stringify(dataDir)}`,
    );
  }
  const lock = acquireDirLock(dataDir);
  let db: PGlite;
  try {
    mkdirSync(dataDir, { recursive: true });
    db = await PGlite.create(dataDir);
    await db.exec(`CREATE TABLE IF NOT EXISTS opstate_outbox (
      id bigserial PRIMARY KEY,
      transition text NOT NULL,
      events text NOT NULL,
      queued_at timestamptz NOT NULL DEFAULT now()
    )`);
  } catch (err) {
    lock.release();
    throw new ChainStoreError('unavailable', `could not open the outbox in ${dataDir}: ${String(err)}`, {
      cause: err,
    });
  }
  let closed = false;
  let unregister = () => {};
  const outbox: EmitOutbox = {
    async put(entry: OutboxEntry) {
      const rows = await db.query<{ id: number | string }>(
        'INSERT INTO opstate_outbox (transition, events) VALUES ($1, $2) RETURNING id',
        [JSON.stringify(entry.transition), JSON.stringify(entry.events)],
      );
      return Number(rows.rows[0]?.id);
    },
    async remove(id: number) {
      await db.query('DELETE FROM opstate_outbox WHERE id = $1', [id]);
    },
    async pending(): Promise<StoredOutboxEntry[]> {
      const rows = await db.query<{ id: number | string; transition: string; events: string }>(
        'SELECT id, transition, events FROM opstate_outbox ORDER BY id',
      );
      return rows.rows.map((r) => ({
        id: Number(r.id),
        transition: JSON.parse(r.transition) as StoredOutboxEntry['transition'],
        events: JSON.parse(r.events) as StoredOutboxEntry['events'],
      }));
    },
    async close() {
      if (closed) return;
      closed = true;
      unregister();
      try {
        await db.close();
      } finally {
        lock.release();
      }
    },
  };
  if (options.closeOnSignals !== false) unregister = closeOnSignals(() => outbox.close());
  return outbox;
}
