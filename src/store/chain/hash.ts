import { createHash } from 'node:crypto';
import { assertWorkspaceId } from './validate.js';

/** The only chain format so far; stores record it per row so the algorithm can change later. */
export const HASH_VERSION = 1;

/**
 * The genesis link binds a chain to its workspace: SHA-256("genesis:" ‖ utf8(workspaceId)), hex. An
 * ill-formed id (a lone surrogate) is refused: UTF-8 would encode it as U+FFFD and collide.
 */
export function genesisHash(workspaceId: string): string {
  assertWorkspaceId(workspaceId);
  return createHash('sha256').update(`genesis:${workspaceId}`, 'utf8').digest('hex');
}

/**
 * H(n) = SHA-256(prev_hash[32 bytes] ‖ int8_be(seq) ‖ utf8(event_type) ‖ 0x00 ‖ utf8(canonical_payload)).
 * The fixed-width fields and the NUL after the event type (which cannot contain one) make the field
 * boundaries unambiguous; the payload is the RFC 8785 text that the store keeps verbatim.
 */
export function chainHash(
  prevHashHex: string,
  seq: number,
  eventType: string,
  canonicalPayload: string,
): string {
  return chainHashBytes(Buffer.from(prevHashHex, 'hex'), seq, eventType, canonicalPayload).toString('hex');
}

/** The same hash over the 32 raw bytes of the previous one, as raw bytes (what the SQLite store keeps). */
export function chainHashBytes(
  prevHash: Buffer,
  seq: number,
  eventType: string,
  canonicalPayload: string,
): Buffer {
  const seqBytes = Buffer.alloc(8);
  seqBytes.writeBigInt64BE(BigInt(seq));
  return createHash('sha256')
    .update(prevHash)
    .update(seqBytes)
    .update(eventType, 'utf8')
    .update(Buffer.of(0))
    .update(canonicalPayload, 'utf8')
    .digest();
}
