import type { PreparedEvent } from '../chain/prepare.js';
import type { AppendedEvent } from '../chain/types.js';
import { WrittenEvent } from '../chain/written-event.js';
import type { Queryable } from './queryable.js';

/** An append call: the statement's name (where a connection keeps prepared statements) and its text. */
export interface AppendStatement {
  readonly name: string;
  readonly text: string;
}

export const APPEND: AppendStatement = {
  name: 'opstate_chain_append',
  text: 'SELECT * FROM opstate.chain_append($1, $2::text[], $3::text[], $4::text[], $5::text[])',
};

export const APPEND_OWNED: AppendStatement = {
  name: 'opstate_chain_append_owned',
  text: 'SELECT * FROM opstate.chain_append_owned($1, $2, $3::text[], $4::text[], $5::text[], $6::text[])',
};

/**
 * Runs an append call, prepared where the connection keeps it: an append is mostly fixed costs, and
 * parsing and planning the call was one of the larger ones.
 */
export function runAppend(
  db: Queryable,
  call: AppendStatement,
  params: readonly unknown[],
): Promise<AppendRow[]> {
  return db.prepared === undefined
    ? db.query<AppendRow>(call.text, params)
    : db.prepared<AppendRow>(call.name, call.text, params);
}

/** A row of `opstate.chain_append` and `opstate.chain_append_owned` (the same columns). */
export interface AppendRow {
  r_seq: number | string;
  r_event_id: string;
  r_event_type: string;
  r_payload_canonical: string;
  r_correlation_id: string | null;
  r_idempotency_key: string | null;
  r_prev_hash: string;
  r_hash: string;
  r_recorded_at: Date | string;
  r_duplicate: boolean;
}

/** The append functions' array parameters, in their order (after the workspace, and the epoch if owned). */
export function appendArrays(prepared: readonly PreparedEvent[]): (string | null)[][] {
  return [
    prepared.map((p) => p.eventType),
    prepared.map((p) => p.payloadCanonical),
    prepared.map((p) => p.correlationId),
    prepared.map((p) => p.idempotencyKey),
  ];
}

/** The append's result, its payloads parsed from the returned canonical text only when read. */
export function toAppendedEvents(workspaceId: string, rows: readonly AppendRow[]): AppendedEvent[] {
  return rows.map(
    (r) =>
      new WrittenEvent(
        r.r_event_id,
        workspaceId,
        Number(r.r_seq),
        r.r_event_type,
        r.r_payload_canonical,
        new Date(r.r_recorded_at).toISOString(),
        r.r_correlation_id,
        r.r_idempotency_key,
        r.r_prev_hash,
        r.r_hash,
        r.r_duplicate,
      ),
  );
}
