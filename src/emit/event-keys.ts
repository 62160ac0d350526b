import { uuidV7 } from '../util/uuid-text.js';

/**
 * A new idempotency key for one chain event: a UUIDv7 (RFC 9562 §5.7), whose leading 48 bits are the
 * time in milliseconds. The stores index keys per workspace; keys that increase land at the right edge of
 * that index, a page or two per batch, where random keys would each land on a different page of a long
 * workspace's index and write every one of those pages into the commit. The key is still a random id to
 * every reader (74 random bits). Minted by a few lines of our own rather than the `uuid` package, whose
 * entry loads some forty modules into every `import 'opstate'`.
 */
export function newIdempotencyKey(): string {
  return uuidV7();
}
