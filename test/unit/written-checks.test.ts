/*
 * The runtime's and the store's inputs are checked by written code on the happy path, and by the zod
 * schemas only when that code refuses something. The two must agree exactly: on what passes, on the
 * value returned (its keys, their order, copied arrays), and on the error a refused value gets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHART_EVENT_TYPES, OperationalStateInputError, silentLogger } from '../../src/index.js';
import { ChartEventSchema } from '../../src/machine/index.js';
import { inputErrorFrom, parseOperationalStateEvent } from '../../src/machine/parse.js';
import { optionsSchema, parseOptions } from '../../src/runtime/inputs.js';
import { plainOptions } from '../../src/runtime/plain-options.js';
import { parseReadOptions, readOptionsSchema } from '../../src/store/chain/validate.js';

/** What a call gives: its value as JSON (key order included), or its error's message. */
function outcome(f: () => unknown): { ok: true; json: string } | { ok: false; message: string } {
  try {
    return { ok: true, json: JSON.stringify(f()) };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 20_000_000 }),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);
const reason = fc.constantFrom('cost', 'auth', 'operator', 'retry_ceiling', 'bogus', '');
const reasons = fc.oneof(
  fc.array(reason, { maxLength: 4 }),
  fc.array(fc.constant('cost'), { minLength: 63, maxLength: 66 }),
  anyValue,
);
const triggerValue = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', '\ud800', 'nul\u0000', 'é'.repeat(2049), 'x'.repeat(4096), 'x'.repeat(4097)),
  anyValue,
);
/** Any subset of an event's fields, each valid or not, sometimes with an unknown key. */
const rawEvent = fc
  .record(
    {
      type: fc.constantFrom(...CHART_EVENT_TYPES),
      cause: fc.oneof(fc.constantFrom('cost_limit', 'stop_kora', 'operator', 'nap'), anyValue),
      trigger: triggerValue,
      claimPermission: fc.oneof(fc.constantFrom('none', 'critical_only', 'normal', 'all'), anyValue),
      addReasons: reasons,
      removeReasons: reasons,
      extra: anyValue,
    },
    { requiredKeys: ['type'] },
  )
  .chain((e) => fc.constantFrom(e, Object.assign(Object.create({ inherited: 1 }) as object, e) as typeof e));

describe('the written checks agree with the schemas', () => {
  it('chart events: same acceptance, same value, same error', () => {
    fc.assert(
      fc.property(rawEvent, (raw) => {
        const written = outcome(() => parseOperationalStateEvent(raw));
        const schema = outcome(() => {
          const parsed = ChartEventSchema.safeParse(raw);
          if (!parsed.success) throw inputErrorFrom(parsed.error, raw, 'event');
          return parsed.data;
        });
        expect(written).toStrictEqual(schema);
      }),
      { numRuns: 3000 },
    );
  });

  it('CHART_EVENT_TYPES lists the schema’s event types, in its order', () => {
    expect(CHART_EVENT_TYPES).toStrictEqual(ChartEventSchema.options.map((o) => o.shape.type.value));
  });

  const option = fc.record(
    {
      logger: fc.oneof(fc.constant(silentLogger), fc.constant({ error: 1 }), anyValue),
      historySize: anyValue,
      inspect: fc.oneof(
        fc.constant(true),
        fc.constant(() => undefined),
        anyValue,
      ),
      appendTimeoutMs: fc.oneof(fc.integer({ min: -1, max: 3_600_001 }), anyValue),
      retry: fc.oneof(
        fc.record(
          {
            initialDelayMs: fc.oneof(fc.integer({ min: 0, max: 3_600_001 }), anyValue),
            maxDelayMs: fc.integer({ min: 0, max: 3_600_001 }),
            jitter: anyValue,
          },
          { requiredKeys: [] },
        ),
        anyValue,
      ),
      maxQueuedEmits: fc.oneof(fc.integer({ min: 0, max: 10_000_001 }), anyValue),
      checkpoints: fc.oneof(fc.constant({ privateKey: 'k', onCheckpoint: () => undefined }), anyValue),
      outbox: fc.oneof(
        fc.constant({ workspaceId: 'w', put: () => 1, pending: () => [] }),
        fc.constant({ put: () => 1, pending: () => [] }),
        anyValue,
      ),
      metrics: anyValue,
      snapshot: anyValue,
      extra: anyValue,
    },
    { requiredKeys: [] },
  );

  it('runtime options: same acceptance, same value, same error', () => {
    fc.assert(
      fc.property(option, (raw) => {
        const plain = plainOptions(raw);
        const parsed = optionsSchema().safeParse(raw);
        if (plain !== null) {
          expect(parsed.success).toBe(true);
          expect(JSON.stringify(plain)).toBe(JSON.stringify(parsed.data));
          expect(plain).toStrictEqual(parsed.data);
        }
        const written = outcome(() => parseOptions(raw));
        if (parsed.success) expect(written).toStrictEqual({ ok: true, json: JSON.stringify(parsed.data) });
        else
          expect(written).toStrictEqual({
            ok: false,
            message: inputErrorFrom(parsed.error, raw, 'options').message,
          });
      }),
      { numRuns: 3000 },
    );
    expect(() => parseOptions({ historySize: 0 })).toThrow(OperationalStateInputError);
  });

  it('store read options: same acceptance, same value, same error', () => {
    const readOptions = fc.oneof(
      fc.constant(undefined),
      fc.record(
        {
          afterSeq: fc.oneof(fc.integer({ min: -1, max: 100 }), anyValue),
          limit: fc.oneof(fc.integer({ min: 0, max: 10_001 }), anyValue),
          eventTypePrefix: fc.oneof(fc.string({ maxLength: 3 }), fc.constant('k'.repeat(257)), anyValue),
          extra: anyValue,
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(readOptions, (raw) => {
        const written = outcome(() => parseReadOptions(raw as never));
        const parsed = readOptionsSchema().safeParse(raw ?? {});
        if (parsed.success) {
          expect(written).toStrictEqual({
            ok: true,
            json: JSON.stringify({
              afterSeq: parsed.data.afterSeq ?? 0,
              limit: parsed.data.limit ?? 1000,
              eventTypePrefix: parsed.data.eventTypePrefix ?? '',
            }),
          });
        } else {
          expect(written.ok).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
