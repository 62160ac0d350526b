import { parseStoredPayload, withStoredRow } from '../chain/stored-row.js';
import type { ChainEvent } from '../chain/types.js';

/** A stored event as SQLite returns it: hashes are 32-byte BLOBs, shown as lowercase hex. */
export interface LogRow {
  seq: number;
  event_id: string;
  event_type: string;
  payload_canonical: string;
  correlation_id: string | null;
  idempotency_key: string | null;
  prev_hash: Buffer;
  hash: Buffer;
  hash_version: number;
  recorded_at: string;
}

export const LOG_COLUMNS =
  'seq, event_id, event_type, payload_canonical, correlation_id, idempotency_key, prev_hash, hash, hash_version, recorded_at';

export function rowToEvent(workspaceId: string, r: LogRow): ChainEvent {
  const event: ChainEvent = {
    eventId: r.event_id,
    workspaceId,
    seq: r.seq,
    eventType: r.event_type,
    payload: parseStoredPayload(workspaceId, r.seq, r.payload_canonical),
    occurredAt: r.recorded_at,
    correlationId: r.correlation_id,
    idempotencyKey: r.idempotency_key,
    prevHash: r.prev_hash.toString('hex'),
    hash: r.hash.toString('hex'),
  };
  return withStoredRow(event, r.payload_canonical, r.hash_version);
}
