import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chainHash, genesisHash } from '../../src/store/chain/hash.js';

/** The chain format spelled out field by field, as docs/chain-format.md writes it. */
function byFields(prevHex: string, seq: number, eventType: string, payload: string): string {
  const seqBytes = Buffer.alloc(8);
  seqBytes.writeBigInt64BE(BigInt(seq));
  return createHash('sha256')
    .update(Buffer.from(prevHex, 'hex'))
    .update(seqBytes)
    .update(eventType, 'utf8')
    .update(Buffer.of(0))
    .update(payload, 'utf8')
    .digest('hex');
}

describe('chainHash', () => {
  it('is the documented example', () => {
    expect(genesisHash('demo')).toBe('44c164d7b284734d00f1af647482dbc1da7af0afc98991999eb990c09de64651');
    expect(chainHash(genesisHash('demo'), 1, 'kora.boot.ready', '{"a":1}')).toMatch(/^bf1f6b3e.*b35721$/);
  });

  it('equals the field-by-field hash for payloads past its reused buffer, multi-byte text and large seqs', () => {
    const prev = genesisHash('ws');
    const cases: [number, string][] = [
      [1, '{}'],
      [2 ** 32 + 7, JSON.stringify({ t: 'é€😀'.repeat(3000) })],
      [Number.MAX_SAFE_INTEGER, JSON.stringify({ big: 'x'.repeat(100_000) })],
      [3, '{"a":1}'],
    ];
    for (const [seq, payload] of cases) {
      expect(chainHash(prev, seq, 'kora.operational_state.transitioned', payload)).toBe(
        byFields(prev, seq, 'kora.operational_state.transitioned', payload),
      );
    }
  });
});
