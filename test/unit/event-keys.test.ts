/*
 * The runtime's idempotency keys: UUIDv7 (time first, so one workspace's keys land at the right edge of
 * its key index), distinct across many draws of the random pool, and increasing from one millisecond to
 * the next.
 */
import { describe, expect, it } from 'vitest';
import { newIdempotencyKey } from '../../src/emit/event-keys.js';
import { uuidV4 } from '../../src/util/uuid-text.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newIdempotencyKey', () => {
  it('mints distinct UUIDv7 keys carrying the current time, across refills of the random pool', async () => {
    const before = Date.now();
    const keys = Array.from({ length: 5000 }, () => newIdempotencyKey());
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of keys) expect(k).toMatch(V7);
    const ms = (k: string) => Number.parseInt(k.replaceAll('-', '').slice(0, 12), 16);
    expect(ms(keys[0] ?? '')).toBeGreaterThanOrEqual(before);
    expect(ms(keys.at(-1) ?? '')).toBeLessThanOrEqual(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 5));
    const later = newIdempotencyKey();
    expect(later > (keys.at(-1) ?? '')).toBe(true);
  });

  it('event ids are distinct random UUIDv4s, interleaved with keys from the same pool', () => {
    const ids = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? newIdempotencyKey() : uuidV4()));
    expect(new Set(ids).size).toBe(ids.length);
    ids.forEach((id, i) => expect(id).toMatch(i % 3 === 0 ? V7 : V4));
    // Every hex digit turns up in every random position: the bytes are not stuck.
    const v4 = ids.filter((_, i) => i % 3 !== 0).map((id) => id.replaceAll('-', ''));
    for (const at of [0, 11, 13, 20, 31]) expect(new Set(v4.map((id) => id[at])).size).toBe(16);
  });
});
