import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

/** Random bytes for this many keys are drawn at once: one call into the system's generator per 256. */
const KEYS_PER_DRAW = 256;
const pool = new Uint8Array(16 * KEYS_PER_DRAW);
let next = KEYS_PER_DRAW;

/**
 * A new idempotency key for one chain event: a UUIDv7, whose leading 48 bits are the time in
 * milliseconds. The stores index keys per workspace; keys that increase land at the right edge of that
 * index, a page or two per batch, where random keys would each land on a different page of a long
 * workspace's index and write every one of those pages into the commit. The key is still a random id to
 * every reader (74 random bits). The random bits come from a pool refilled every 256 keys: drawn per key,
 * they cost ten times what the rest of the key does.
 */
export function newIdempotencyKey(): string {
  if (next === KEYS_PER_DRAW) {
    randomFillSync(pool);
    next = 0;
  }
  const random = pool.subarray(next * 16, next * 16 + 16);
  next += 1;
  return v7({ random });
}
