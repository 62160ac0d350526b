import { describe, expect, it } from 'vitest';
import { OperationalStateInputError, operationalStateMachine, PRIMARY_STATES } from '../../src/index.js';
import {
  isValidTransition,
  TRANSITION_TABLE,
  transitionsFrom,
  transitionsTo,
} from '../../src/machine/index.js';

describe('TRANSITION_TABLE (read from the chart)', () => {
  it('has the 15 rows of R4.1 §9.1 in table order', () => {
    expect(TRANSITION_TABLE.map((r) => `${r.row} ${r.from}→${r.to} ${r.event}`)).toStrictEqual([
      '1 booting→ready GATES_PASSED',
      '2 booting→booting GATE_RETRY',
      '3 booting→stopped BOOT_FAILED',
      '4 booting→paused EPOCH_MISMATCH',
      '5 ready→active CLAIM_ACQUIRED',
      '6 active→ready CLAIM_RELEASED',
      '7 ready→paused PAUSE',
      '8 active→paused PAUSE',
      '9 booting→paused PAUSE',
      '10 paused→ready CREDIT_REFRESHED',
      '11 paused→ready OPERATOR_RESET',
      '12 ready→stopped STOP',
      '13 active→stopped STOP',
      '14 paused→stopped STOP',
      '15 booting→stopped STOP',
    ]);
  });

  it('keeps the table wording verbatim, en dash and section signs included', () => {
    const byRow = new Map(TRANSITION_TABLE.map((r) => [r.row, r]));
    expect(byRow.get(1)?.trigger).toBe('all §9.2 gates pass');
    expect(byRow.get(2)).toMatchObject({
      guard: 'retry budget not exhausted',
      recoveryOwner: 'self (backoff)',
    });
    expect(byRow.get(7)?.trigger).toBe('STOP-KORA L1–3, cost 100%, operator');
    expect(byRow.get(10)?.guard).toBe('reconciled spend < threshold; claim already safe-released (§9.6)');
    expect(byRow.get(15)?.recoveryOwner).toBe('operator (new boot)');
  });

  it('is derived: every row is a transition of the chart with that meta', () => {
    for (const r of TRANSITION_TABLE) {
      const defs = operationalStateMachine.root.states[r.from]?.transitions.get(r.event) ?? [];
      const metas = defs.map((d) => (d.meta as { row?: number } | undefined)?.row);
      expect(metas).toContain(r.row);
    }
  });

  it('answers the original query helpers', () => {
    expect(transitionsFrom('booting')).toHaveLength(6);
    expect(transitionsTo('stopped')).toHaveLength(5);
    expect(transitionsFrom('stopped')).toHaveLength(0);
    expect(transitionsFrom('booting').map((r) => r.row)).toStrictEqual([1, 2, 3, 4, 9, 15]);
  });

  it.each([
    ['paused', 'active'],
    ['ready', 'ready'],
    ['active', 'active'],
    ['paused', 'paused'],
    ['active', 'booting'],
    ['paused', 'booting'],
    ['ready', 'booting'],
  ] as const)('%s → %s is not a valid transition', (from, to) => {
    expect(isValidTransition(from, to)).toBe(false);
  });

  it('stopped → anything is invalid', () => {
    for (const to of PRIMARY_STATES) expect(isValidTransition('stopped', to)).toBe(false);
  });

  it('rejects unknown states by name', () => {
    expect(() => isValidTransition('bootin' as never, 'ready')).toThrow(OperationalStateInputError);
    expect(() => transitionsFrom('BOOTING' as never)).toThrow(/BOOTING/);
  });
});
