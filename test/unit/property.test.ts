/*
 * Property: random typed-event sequences with random (often hostile) triggers, on a real runtime. The
 * actor never enters XState's error status, never accepts a pair outside the table (same-state updates
 * aside), and the chain always verifies.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHART_EVENT_TYPES,
  createMemoryChainStore,
  createOperationalState,
  InvalidStateTransitionError,
  type OperationalStateEvent,
  OperationalStateInputError,
  silentLogger,
} from '../../src/index.js';
import { isValidTransition } from '../../src/machine/index.js';

const hostile = fc.constantFrom(
  '<script>alert(1)</script>',
  '"; DROP TABLE event_log; --',
  '\u0000nul',
  '\u202eevil',
  'cost 100%\ud83d\udca5',
  '{{constructor.constructor("x")()}}',
  'all §9.2 gates pass'.repeat(100),
  '\ud800',
);
const trigger = fc.option(
  fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
    hostile,
    fc.constantFrom('cost 100%', 'invariant gate failure', 'all §9.2 gates pass'),
  ),
  { nil: undefined },
);
const event: fc.Arbitrary<OperationalStateEvent> = fc
  .record({
    type: fc.constantFrom(...CHART_EVENT_TYPES),
    trigger,
    cause: fc.constantFrom('cost_limit', 'stop_kora', 'operator', undefined),
  })
  .map(({ type, trigger: t, cause }) => {
    const e: Record<string, unknown> = { type };
    if (t !== undefined) e.trigger = t;
    if (type === 'PAUSE' && cause !== undefined) e.cause = cause;
    return e as OperationalStateEvent;
  });

describe('random typed events on a real runtime', () => {
  it('never errors, never accepts an invalid pair, and the chain verifies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(event, { maxLength: 30 }), async (events) => {
        const store = createMemoryChainStore();
        const rt = createOperationalState({ store, workspaceId: 'ws-prop' }, { logger: silentLogger });
        let accepted = 0;
        for (const e of events) {
          const from = rt.current.primaryState;
          const result = await rt.send(e).then(
            (s) => s,
            (err: unknown) => err,
          );
          if (result instanceof Error) {
            expect(
              result instanceof InvalidStateTransitionError || result instanceof OperationalStateInputError,
            ).toBe(true);
            expect(rt.current.primaryState).toBe(from);
          } else {
            accepted += 1;
            const to = rt.current.primaryState;
            expect(from !== 'stopped' && (from === to || isValidTransition(from, to))).toBe(true);
          }
          expect(rt.actor.getSnapshot().status).not.toBe('error');
        }
        await rt.flush();
        if (accepted > 0) {
          const v = await store.verify('ws-prop');
          expect(v.ok).toBe(true);
          expect(rt.emitFailures).toBe(0);
        }
        await rt.stop();
      }),
      { numRuns: 200 },
    );
  });
});
