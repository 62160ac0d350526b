import { ChainStoreError } from '../../errors.js';
import { nonCanonicalReason } from './canonical-check.js';
import { parseCanonical } from './canonical-json.js';
import type { ChainEvent, JsonObject } from './types.js';

/**
 * Gives an event read from a store the row's stored text and hash version, as non-enumerable fields
 * (JSON, spreads and equality checks leave them out), so that `verifyChain(ws, await store.read(ws))`
 * checks what `store.verify(ws)` checks: the text that was hashed, not a re-serialization of its parse.
 */
export function withStoredRow<T extends ChainEvent>(
  event: T,
  payloadCanonical: string,
  hashVersion: number,
): T {
  Object.defineProperties(event, {
    payloadCanonical: { value: payloadCanonical, enumerable: false },
    hashVersion: { value: hashVersion, enumerable: false },
  });
  return event;
}

/**
 * Parses a row's stored payload text. Text that is not JSON cannot become an event: a `corrupt_row`
 * error naming the workspace, the seq and the kind `verify` reports for it (`non_canonical`), never
 * `unavailable` (no retry will read it).
 */
export function parseStoredPayload(workspaceId: string, seq: number, text: string): JsonObject {
  try {
    return parseCanonical(text);
  } catch (err) {
    const reason = nonCanonicalReason(text) ?? (err instanceof Error ? err.message : String(err));
    throw new ChainStoreError(
      'corrupt_row',
      `workspace ${JSON.stringify(workspaceId)}, seq ${seq}: non_canonical: the stored payload text is not JSON (${reason}); \`opstate verify\` reports the same row`,
      { cause: err },
    );
  }
}
