import * as crypto from 'node:crypto';
import { assertWorkspaceId } from './validate.js';

/** The only chain format so far; stores record it per row so the algorithm can change later. */
export const HASH_VERSION = 1;

/**
 * The genesis link binds a chain to its workspace: SHA-256("genesis:" ‖ utf8(workspaceId)), hex. An
 * ill-formed id (a lone surrogate) is refused: UTF-8 would encode it as U+FFFD and collide.
 */
export function genesisHash(workspaceId: string): string {
  assertWorkspaceId(workspaceId);
  return crypto.createHash('sha256').update(`genesis:${workspaceId}`, 'utf8').digest('hex');
}

/** Node's one-shot digest (20.12+): a fifth of a Hash object's cost on a few hundred bytes. */
const oneShot: ((algorithm: string, data: Uint8Array, encoding: 'hex') => string) | undefined = (
  crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }
).hash;

/** The hashed bytes of one link are assembled here; grown when a payload needs more. */
let scratch = Buffer.allocUnsafe(16 * 1024);

/**
 * H(n) = SHA-256(prev_hash[32 bytes] ‖ int8_be(seq) ‖ utf8(event_type) ‖ 0x00 ‖ utf8(canonical_payload)).
 * The fixed-width fields and the NUL after the event type (which cannot contain one) make the field
 * boundaries unambiguous; the payload is the RFC 8785 text that the store keeps verbatim.
 *
 * The fields are written into one reused buffer and digested in one call: a Hash object fed field by
 * field cost more than the SHA-256 itself, on every event of every append and verify.
 */
export function chainHash(
  prevHashHex: string,
  seq: number,
  eventType: string,
  canonicalPayload: string,
): string {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  const most = prevHashHex.length / 2 + 9 + 3 * (eventType.length + canonicalPayload.length);
  if (most > scratch.length) scratch = Buffer.allocUnsafe(Math.max(most, 2 * scratch.length));
  const buf = scratch;
  let at = buf.write(prevHashHex, 0, 'hex');
  at = buf.writeBigInt64BE(BigInt(seq), at);
  at += buf.write(eventType, at, 'utf8');
  buf[at++] = 0;
  at += buf.write(canonicalPayload, at, 'utf8');
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, at);
  return oneShot === undefined
    ? crypto.createHash('sha256').update(bytes).digest('hex')
    : oneShot('sha256', bytes, 'hex');
}
