import { randomFillSync } from 'node:crypto';

/** Random bytes for this many keys are drawn at once: one call into the system's generator per 256. */
const KEYS_PER_DRAW = 256;
const pool = new Uint8Array(16 * KEYS_PER_DRAW);
let next = KEYS_PER_DRAW;
/** The key's text is written into this buffer and read out as one flat string. */
const text = Buffer.alloc(36);
text[8] = text[13] = text[18] = text[23] = 0x2d; // '-'
/** Where each of the 16 bytes' two hex digits go in the text (after the dashes before them). */
const DIGITS_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const HEX_DIGIT = Buffer.from('0123456789abcdef', 'latin1');

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
  // Read in place (no subarray view per key): this runs for every chain event.
  const o = next * 16;
  next += 1;
  const ms = Date.now();
  const b = pool;
  // Bytes 0–5: the 48-bit millisecond time, big-endian (`>>>` takes the low 32 bits first).
  b[o] = (ms / 2 ** 40) & 0xff;
  b[o + 1] = (ms / 2 ** 32) & 0xff;
  b[o + 2] = (ms >>> 24) & 0xff;
  b[o + 3] = (ms >>> 16) & 0xff;
  b[o + 4] = (ms >>> 8) & 0xff;
  b[o + 5] = ms & 0xff;
  b[o + 6] = 0x70 | (b[o + 6]! & 0x0f); // version 7
  b[o + 8] = 0x80 | (b[o + 8]! & 0x3f); // variant 10
  // Digits into a buffer, then one string: concatenating the parts made a rope of some twenty strings
  // that the driver flattens again when it binds the key.
  for (let i = 0; i < 16; i++) {
    const v = b[o + i]!;
    const at = DIGITS_AT[i]!;
    text[at] = HEX_DIGIT[v >> 4]!;
    text[at + 1] = HEX_DIGIT[v & 15]!;
  }
  return text.toString('latin1', 0, 36);
}
