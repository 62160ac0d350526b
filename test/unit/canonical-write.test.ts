/*
 * The one-walk canonical writer against the canonicalize library (RFC 8785) it replaces on the append
 * path: byte-identical text for every value of the payload domain, and the same refusals, naming the path.
 */
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChainStoreError } from '../../src/index.js';
import { canonicalPayload } from '../../src/store/chain/index.js';

const key = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('a', 'B', '\u00e9', '\ud83d\ude00', '\uffff', '10', '2', '__proto__', ''),
);
const scalar = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  // The domain refuses integers beyond 2^53 (they would round); every other finite double is in it.
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .filter((n) => !Number.isInteger(n) || Number.isSafeInteger(n)),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(1.5e-21, 1e-7, -0, 0.1 + 0.2, 5e-324, 123456789.125),
);
const { json } = fc.letrec((tie) => ({
  json: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('json'), { maxLength: 5 }),
  object: fc.dictionary(key, tie('json'), { maxKeys: 6 }),
}));
// JSON.stringify escapes U+0000 as \u0000; the domain refuses it (PostgreSQL cannot store it).
const withoutNul = (text: string) => !text.includes('\\u0000');

describe('canonicalPayload (one walk)', () => {
  it('writes exactly what the canonicalize library writes, for any JSON object of the payload domain', () => {
    fc.assert(
      fc.property(fc.dictionary(key, json, { maxKeys: 8 }), (payload) => {
        const reference = canonicalize(payload) ?? '';
        fc.pre(withoutNul(reference));
        expect(canonicalPayload(payload)).toBe(reference);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes the same text when every object already has its keys in order (the engine serializer path)', () => {
    // Rebuilt with keys inserted in code-unit order; integer-like keys still enumerate first, so objects
    // holding them stay out of order and take the writing walk.
    const ordered = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(ordered);
      if (typeof v !== 'object' || v === null) return v;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        Object.defineProperty(out, k, {
          value: ordered((v as Record<string, unknown>)[k]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    };
    fc.assert(
      fc.property(fc.dictionary(key, json, { maxKeys: 8 }), (payload) => {
        const reference = canonicalize(payload) ?? '';
        fc.pre(withoutNul(reference));
        expect(canonicalPayload(ordered(payload))).toBe(reference);
      }),
      { numRuns: 2000 },
    );
    // A toJSON that JSON.stringify would call is not how the canonical text is written.
    const withToJson = Object.assign([1, 2], { toJSON: () => 'replaced' });
    expect(canonicalPayload({ a: withToJson, b: 1 })).toBe('{"a":[1,2],"b":1}');
    const polluted = Object.prototype as { toJSON?: unknown };
    polluted.toJSON = () => 'replaced';
    try {
      expect(canonicalPayload({ a: 1, b: { c: 2 } })).toBe('{"a":1,"b":{"c":2}}');
    } finally {
      delete polluted.toJSON;
    }
    // The refusals hold on that path too.
    expect(() => canonicalPayload({ a: 1, b: [Number.NaN] })).toThrow(/\$\.b\[0\] is NaN/);
    expect(() => canonicalPayload({ a: 'x\ud800', b: 1 })).toThrow(/\$\.a contains a lone surrogate/);
    expect(() => canonicalPayload({ a: 2 ** 53, b: 1 })).toThrow(/\$\.a is an integer beyond 2\^53/);
    expect(canonicalPayload({ a: '\ud83d\ude00', b: -0, c: 1.5e-7 })).toBe(
      '{"a":"\ud83d\ude00","b":0,"c":1.5e-7}',
    );
  });

  it('refuses what the payload domain excludes, naming the path', () => {
    const refused = (payload: unknown) => {
      try {
        canonicalPayload(payload, 'kora.boot.ready');
      } catch (err) {
        expect(err).toBeInstanceOf(ChainStoreError);
        expect(err).toMatchObject({ kind: 'invalid_input', eventType: 'kora.boot.ready' });
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ a: { b: [1, Number.NaN] } })).toMatch(/\$\.a\.b\[1\] is NaN/);
    expect(refused({ n: 2 ** 53 + 2 })).toMatch(/\$\.n is an integer beyond 2\^53/);
    expect(refused({ s: 'x\ud800' })).toMatch(/\$\.s contains a lone surrogate/);
    expect(refused({ ['k\udc00']: 1 })).toMatch(/key "k\\udc00" contains a lone surrogate/);
    expect(refused({ s: 'a\u0000b' })).toMatch(/\$\.s contains U\+0000/);
    expect(refused({ d: new Date(0) })).toMatch(/\$\.d is a Date object/);
    expect(refused({ u: undefined })).toMatch(/\$\.u is undefined/);
    expect(refused({ f: () => 1 })).toMatch(/\$\.f is function/);
    expect(refused({ b: 1n })).toMatch(/\$\.b is bigint/);
    // eslint-disable-next-line no-sparse-arrays
    expect(refused({ h: [1, , 3] })).toMatch(/\$\.h\[1\] is undefined/);
    expect(refused([1])).toMatch(/must be a JSON object/);
    expect(refused(null)).toMatch(/must be a JSON object/);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(refused(circular)).toMatch(/nested too deeply \(or circular\)/);
  });
});
