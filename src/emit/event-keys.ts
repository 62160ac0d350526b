import { randomFillSync } from 'node:crypto';

/** Random bytes for this many keys are drawn at once: one call into the system's generator per 256. */
const KEYS_PER_DRAW = 256;
const pool = new Uint8Array(16 * KEYS_PER_DRAW);
let next = KEYS_PER_DRAW;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * A new idempotency key for one chain event: a UUIDv7 (RFC 9562 §5.7), whose leading 48 bits are the
 * time in milliseconds. The stores index keys per workspace; keys that increase land at the right edge of
 * that index, a page or two per batch, where random keys would each land on a different page of a long
 * workspace's index and write every one of those pages into the commit. The key is still a random id to
 * every reader (74 random bits). The random bits come from a pool refilled every 256 keys: drawn per key,
 * they cost ten times what the rest of the key does. Written here rather than taken from the `uuid`
 * package, whose entry loads some forty modules into every `import 'opstate'` for these few lines.
 */
export function newIdempotencyKey(): string {
  if (next === KEYS_PER_DRAW) {
    randomFillSync(pool);
    next = 0;
  }
  const b = pool.subarray(next * 16, next * 16 + 16);
  next += 1;
  const ms = Date.now();
  // Bytes 0–5: the 48-bit millisecond time, big-endian (`>>>` takes the low 32 bits first).
  b[0] = (ms / 2 ** 40) & 0xff;
  b[1] = (ms / 2 ** 32) & 0xff;
  b[2] = (ms >>> 24) & 0xff;
  b[3] = (ms >>> 16) & 0xff;
  b[4] = (ms >>> 8) & 0xff;
  b[5] = ms & 0xff;
  b[6] = 0x70 | ((b[6] as number) & 0x0f); // version 7
  b[8] = 0x80 | ((b[8] as number) & 0x3f); // variant 10
  const h = (i: number) => HEX[b[i] as number] as string;
  return (
    h(0) +
    h(1) +
    h(2) +
    h(3) +
    '-' +
    h(4) +
    h(5) +
    '-' +
    h(6) +
    h(7) +
    '-' +
    h(8) +
    h(9) +
    '-' +
    h(10) +
    h(11) +
    h(12) +
    h(13) +
    h(14) +
    h(15)
  );
}
