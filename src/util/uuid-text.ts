import { randomFillSync } from 'node:crypto';

/*
 * UUIDs as flat strings, for the ids and keys minted on every chain event. `crypto.randomUUID` builds its
 * text by concatenation: a rope of some twenty strings per id, which the SQLite driver flattens again
 * when it binds it. Here the digits go into one reused buffer and come out as one string. The random
 * bits come from the same source (`randomFillSync`, the system's CSPRNG), drawn for 256 ids at a time:
 * drawn per id, they cost ten times what the rest of the id does.
 */

const IDS_PER_DRAW = 256;
const pool = new Uint8Array(16 * IDS_PER_DRAW);
let next = IDS_PER_DRAW;
const text = Buffer.alloc(36);
text[8] = text[13] = text[18] = text[23] = 0x2d; // '-'
/** Where each of the 16 bytes' two hex digits go in the text (after the dashes before them). */
const DIGITS_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const HEX_DIGIT = Buffer.from('0123456789abcdef', 'latin1');

/** The offset of 16 fresh random bytes in the pool (read in place: no view per id). */
function draw(): number {
  if (next === IDS_PER_DRAW) {
    randomFillSync(pool);
    next = 0;
  }
  next += 1;
  return (next - 1) * 16;
}

/** The 16 bytes at `o` as UUID text, after setting the version nibble and the RFC 9562 variant. */
function textOf(o: number, version: number): string {
  const b = pool;
  b[o + 6] = (version << 4) | (b[o + 6]! & 0x0f);
  b[o + 8] = 0x80 | (b[o + 8]! & 0x3f);
  for (let i = 0; i < 16; i++) {
    const v = b[o + i]!;
    const at = DIGITS_AT[i]!;
    text[at] = HEX_DIGIT[v >> 4]!;
    text[at + 1] = HEX_DIGIT[v & 15]!;
  }
  return text.toString('latin1', 0, 36);
}

/** A random UUID (version 4, RFC 9562 §5.4): 122 random bits. */
export function uuidV4(): string {
  return textOf(draw(), 4);
}

/** A time-ordered UUID (version 7, RFC 9562 §5.7): the time in milliseconds, then 74 random bits. */
export function uuidV7(): string {
  const o = draw();
  const ms = Date.now();
  const b = pool;
  // Bytes 0–5: the 48-bit millisecond time, big-endian (`>>>` takes the low 32 bits first).
  b[o] = (ms / 2 ** 40) & 0xff;
  b[o + 1] = (ms / 2 ** 32) & 0xff;
  b[o + 2] = (ms >>> 24) & 0xff;
  b[o + 3] = (ms >>> 16) & 0xff;
  b[o + 4] = (ms >>> 8) & 0xff;
  b[o + 5] = ms & 0xff;
  return textOf(o, 7);
}
