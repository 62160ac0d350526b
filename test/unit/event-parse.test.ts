/*
 * parseOperationalStateEvent accepts the common event without zod. Property: on any input, it gives
 * exactly what ChartEventSchema gives (same fields, same order, a fresh object), or refuses what the
 * schema refuses with an OperationalStateInputError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLAIM_PERMISSIONS, DEGRADATION_REASONS } from '../../src/domain/vocabulary.js';
import { OperationalStateInputError } from '../../src/errors.js';
import { CHART_EVENT_TYPES, ChartEventSchema } from '../../src/machine/events.js';
import { parseOperationalStateEvent } from '../../src/machine/parse.js';

const almost = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 6, arbitrary: valid },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, '', 0, 'nope', [], {}) },
  );

const trigger = almost(
  fc.oneof(
    fc.string({ minLength: 1, maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom(
      '\ud800',
      'a\u0000b',
      '\ud83d\udca5 ok',
      'é'.repeat(1400),
      'x'.repeat(4097),
      'x'.repeat(1365),
    ),
  ),
);
const reasons = almost(
  fc.oneof(
    fc.array(fc.constantFrom(...DEGRADATION_REASONS), { maxLength: 5 }),
    fc.array(fc.constantFrom(...DEGRADATION_REASONS), { minLength: 64, maxLength: 66 }),
    fc.array(fc.constantFrom<unknown>(...DEGRADATION_REASONS, 'unknown_reason', 1), { maxLength: 4 }),
  ),
);

const event = fc.record(
  {
    type: almost(fc.constantFrom(...CHART_EVENT_TYPES)),
    cause: almost(fc.constantFrom('cost_limit', 'stop_kora', 'operator')),
    trigger,
    claimPermission: almost(fc.constantFrom(...CLAIM_PERMISSIONS)),
    addReasons: reasons,
    removeReasons: reasons,
    extra: fc.anything(),
  },
  { requiredKeys: ['type'] },
);

describe('parseOperationalStateEvent', () => {
  it('gives what the schema gives, field for field and in order, or refuses what it refuses', () => {
    fc.assert(
      fc.property(event, fc.boolean(), (raw, nullProto) => {
        const input = nullProto ? Object.assign(Object.create(null) as object, raw) : raw;
        const expected = ChartEventSchema.safeParse(input);
        let got: unknown;
        try {
          got = parseOperationalStateEvent(input);
        } catch (err) {
          expect(err).toBeInstanceOf(OperationalStateInputError);
          expect(expected.success).toBe(false);
          return;
        }
        expect(expected.success).toBe(true);
        expect(got).toStrictEqual(expected.data);
        expect(Object.keys(got as object)).toEqual(Object.keys(expected.data as object));
        expect(got).not.toBe(input);
      }),
      { numRuns: 3000 },
    );
  });

  it('copies the reason arrays: a caller mutating its event afterwards changes nothing applied', () => {
    const addReasons: (typeof DEGRADATION_REASONS)[number][] = ['cost'];
    const raw = { type: 'UPDATE_POSTURE' as const, trigger: 't', addReasons };
    const parsed = parseOperationalStateEvent(raw);
    addReasons.push('auth');
    expect(parsed).toEqual({ type: 'UPDATE_POSTURE', trigger: 't', addReasons: ['cost'] });
  });

  it('reads a getter once, so the value checked is the value applied', () => {
    let reads = 0;
    const raw = {
      type: 'UPDATE_POSTURE',
      get trigger() {
        reads += 1;
        return reads === 1 ? 'checked' : '';
      },
    };
    expect(parseOperationalStateEvent(raw)).toEqual({ type: 'UPDATE_POSTURE', trigger: 'checked' });
  });

  it('leaves an inherited or unknown field to the schema, which reads or names it as before', () => {
    const proto = { trigger: 'inherited' };
    const raw = Object.assign(Object.create(proto) as object, { type: 'STOP' });
    expect(parseOperationalStateEvent(raw)).toStrictEqual(ChartEventSchema.parse(raw));
    expect(() => parseOperationalStateEvent({ type: 'STOP', colour: 'red' })).toThrow(/colour/);
  });
});
