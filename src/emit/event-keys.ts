import { v7 } from 'uuid';

/**
 * A new idempotency key for one chain event: a UUIDv7, whose leading 48 bits are the time in
 * milliseconds (and whose next bits keep keys from one process increasing within a millisecond). The
 * stores index keys per workspace; keys that increase land at the right edge of that index, a page or
 * two per batch, where random keys would each land on a different page of a long workspace's index and
 * write every one of those pages into the commit. The key is still a unique random id to every reader.
 */
export function newIdempotencyKey(): string {
  return v7();
}
