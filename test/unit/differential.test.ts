/*
 * Differential test: random transitionTo sequences run on the real runtime and on a small reference model
 * written here from the original's rules (domain.md §2–§4), not from the chart. They must agree on the
 * resulting state, the error thrown, and the exact chain events appended; the chain must verify.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createMemoryChainStore,
  createOperationalState,
  InvalidStateTransitionError,
  OperationalStateInputError,
  type PrimaryState,
  silentLogger,
} from '../../src/index.js';

type State = 'booting' | 'ready' | 'active' | 'paused' | 'stopped';
const STATES: State[] = ['booting', 'ready', 'active', 'paused', 'stopped'];
const REASONS = [
  'cost',
  'auth',
  'dispatch',
  'substrate',
  'migration',
  'operator',
  'token_expiring',
  'retry_ceiling',
];
const CLAIMS = ['none', 'critical_only', 'normal'];

/** The original table's arrows, "any → X" expanded; paused → paused deliberately absent. */
const ARROWS = new Set([
  'booting>ready',
  'booting>booting',
  'booting>stopped',
  'booting>paused',
  'ready>active',
  'active>ready',
  'ready>paused',
  'active>paused',
  'paused>ready',
  'ready>stopped',
  'active>stopped',
  'paused>stopped',
]);

interface ModelState {
  primary: State;
  claim: string;
  reasons: Set<string>;
}
interface Step {
  to: State;
  trigger: unknown;
  claimPermission?: string;
  addReasons?: string[];
  removeReasons?: string[];
}
type Outcome =
  | { kind: 'input' }
  | { kind: 'invalid' }
  | { kind: 'ok'; events: { eventType: string; payload: Record<string, unknown> }[] };

function model(s: ModelState, step: Step): Outcome {
  const t = step.trigger;
  if (typeof t !== 'string' || t.length === 0 || Buffer.byteLength(t, 'utf8') > 4096)
    return { kind: 'input' };
  // Not storable text: a lone UTF-16 surrogate (no canonical JSON for it) or NUL (PostgreSQL refuses it).
  if (Buffer.from(t, 'utf8').toString('utf8') !== t || t.includes('\0')) return { kind: 'input' };
  if (s.primary === 'stopped') return { kind: 'invalid' };
  if (step.to !== s.primary && !ARROWS.has(`${s.primary}>${step.to}`)) return { kind: 'invalid' };
  const from = s.primary;
  s.primary = step.to;
  if (step.claimPermission !== undefined) s.claim = step.claimPermission;
  for (const r of step.addReasons ?? []) s.reasons.add(r);
  for (const r of step.removeReasons ?? []) s.reasons.delete(r);
  const payload = {
    from_primary_state: from,
    to_primary_state: step.to,
    claim_permission: s.claim,
    degradation_reasons: [...s.reasons].sort(),
    trigger: t,
  };
  let literal: string | null = null;
  if (from === 'booting' && step.to === 'ready') {
    literal = t.includes('all §9.2 gates pass') ? 'kora.boot.ready' : null;
  } else if (from === 'booting' && step.to === 'stopped') {
    literal = t.includes('invariant gate failure') ? 'kora.boot.failed' : null;
  } else if (step.to === 'paused') {
    literal = t.includes('cost 100%') ? 'kora.paused.cost_limit' : null;
  }
  const events = [{ eventType: 'kora.operational_state.transitioned', payload }];
  if (literal !== null) events.push({ eventType: literal, payload });
  return { kind: 'ok', events };
}

const wording = [
  'all §9.2 gates pass',
  'transient gate failure',
  'invariant gate failure, or retry budget exhausted',
  'gate 3b epoch mismatch (§9.8)',
  'claim acquired',
  'claim released',
  'STOP-KORA L1–3, cost 100%, operator',
  'monthly credit refresh confirmed',
  'operator clears via kora_control reset',
  'STOP-KORA L4/L5',
];
const lenient = [
  'boot: all §9.2 gates pass (5 gates, 2 retries)',
  'invariant gate failure (gate=3_substrate_contract_version)',
  'cost 100% — auto-pause',
  'STOP-KORA L2: cost 100% triggered budget watcher',
];
const nearMisses = [
  'Cost 100%',
  'cost 100 %',
  'cost 99%',
  'all 9.2 gates pass',
  'All §9.2 gates pass',
  'Invariant gate failure',
  'retry budget exhausted',
  'boot gates passed (see kora.boot.ready event for per-gate detail)',
  'cost ladder HARD_STOP_100 pre-claim',
];
const triggerArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...wording, ...lenient, ...nearMisses) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 0, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      'x'.repeat(4097),
      '€'.repeat(1366),
      'y'.repeat(4096),
      '<script>alert(1)</script>',
      '\ud800',
      'a\udc00b',
      'nul\0byte',
      '\ud83d\ude00 ok',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(42, null, undefined, { trigger: 'cost 100%' }) },
);
const stepArb: fc.Arbitrary<Step> = fc.record(
  {
    to: fc.constantFrom(...STATES),
    trigger: triggerArb,
    claimPermission: fc.constantFrom(...CLAIMS),
    addReasons: fc.subarray(REASONS),
    removeReasons: fc.subarray(REASONS),
  },
  { requiredKeys: ['to', 'trigger'] },
);

describe('runtime vs an independent reference model', () => {
  it('agrees on state, errors and the exact chain events, and the chain verifies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 25 }), async (steps) => {
        const store = createMemoryChainStore();
        const rt = createOperationalState({ store, workspaceId: 'ws-diff' }, { logger: silentLogger });
        const m: ModelState = { primary: 'booting', claim: 'none', reasons: new Set() };
        let seen = 0;
        for (const step of steps) {
          const before = m.primary;
          const expected = model(m, step);
          const { to, trigger, ...posture } = step;
          const actual = await rt.transitionTo(to, trigger as string, posture as never).then(
            () => null,
            (e: unknown) => e,
          );
          if (expected.kind === 'input') expect(actual).toBeInstanceOf(OperationalStateInputError);
          else if (expected.kind === 'invalid') {
            expect(actual).toBeInstanceOf(InvalidStateTransitionError);
            // Typed as the states they are: no cast between the error and the state it names.
            const from: PrimaryState = (actual as InvalidStateTransitionError).from;
            const target: PrimaryState | undefined = (actual as InvalidStateTransitionError).to;
            expect([from, target]).toStrictEqual([before, to]);
          } else expect(actual).toBeNull();

          expect(rt.current).toStrictEqual({
            primaryState: m.primary,
            claimPermission: m.claim,
            degradationReasons: [...m.reasons].sort(),
            isDegraded: m.reasons.size > 0,
          });
          await rt.flush();
          const appended = await store.read('ws-diff', { afterSeq: seen });
          seen += appended.length;
          const expectedEvents = expected.kind === 'ok' ? expected.events : [];
          expect(appended.map((e) => ({ eventType: e.eventType, payload: e.payload }))).toStrictEqual(
            expectedEvents,
          );
          if (appended.length === 2) expect(appended[1]?.correlationId).toBe(appended[0]?.correlationId);
        }
        if (seen > 0) expect(await store.verify('ws-diff')).toMatchObject({ ok: true, length: seen });
        expect(rt.actor.getSnapshot().status).not.toBe('error');
        await rt.stop();
      }),
      { numRuns: 300 },
    );
  });
});
