import { ChainStoreError } from '../../errors.js';

/** The fields PostgreSQL errors carry (`pg`'s DatabaseError). */
interface DbErrorFields {
  readonly code?: unknown;
  readonly detail?: unknown;
  readonly message?: unknown;
}

/** SQLSTATE classes that mean "your input", not "the database is unwell": retrying cannot help. */
const INPUT_CODES = new Set([
  '22P02', // invalid_text_representation (e.g. payload text jsonb refuses)
  '22P05', // untranslatable_character (\u0000 in a jsonb string)
  '22021', // character_not_in_repertoire
  '22001', // string_data_right_truncation
  '23514', // check_violation
  '54000', // program_limit_exceeded
]);

/**
 * Turns a driver error into a ChainStoreError: a foreign-key refusal from `event_types` becomes
 * `unknown_event_type` naming the type, bad input becomes `invalid_input`, anything else (connection
 * refused, server shutting down, serialization trouble) `unavailable`, which the emit pipeline retries.
 */
export function toChainStoreError(err: unknown, engine: string): ChainStoreError {
  if (err instanceof ChainStoreError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as DbErrorFields;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  const detail = typeof e.detail === 'string' ? e.detail : '';
  if (code === '23503' && /event_type/.test(`${message} ${detail}`)) {
    const eventType = /\(event_type\)=\((.*)\)/.exec(detail)?.[1];
    return new ChainStoreError(
      'unknown_event_type',
      `event type ${JSON.stringify(eventType ?? '?')} is not in the vocabulary (opstate.event_types)`,
      { ...(eventType !== undefined ? { eventType } : {}), cause: err },
    );
  }
  if (INPUT_CODES.has(code)) {
    return new ChainStoreError('invalid_input', `${engine} refused the input (${code}): ${message}`, {
      cause: err,
    });
  }
  return new ChainStoreError(
    'unavailable',
    `${engine} append failed${code ? ` (${code})` : ''}: ${message}`,
    { cause: err },
  );
}
