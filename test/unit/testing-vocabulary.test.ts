import { describe, expect, it } from 'vitest';
import { selectExtraLiteral } from '../../src/original.js';
import { chartVocabulary, generateTestPaths, triggerSamples } from '../../src/testing/index.js';

describe('chartVocabulary', () => {
  const rows = chartVocabulary();

  it('reads every guarded alternative of every state from the chart definition', () => {
    expect(rows).toHaveLength(29);
    expect(rows).toContainEqual({
      source: 'booting',
      eventType: 'GATES_PASSED',
      branch: 0,
      guard: { type: 'triggerContains', params: { text: 'all §9.2 gates pass' } },
      target: 'ready',
      literal: 'kora.boot.ready',
      tableRow: 1,
    });
    expect(rows).toContainEqual({
      source: 'paused',
      eventType: 'UPDATE_POSTURE',
      branch: 1,
      guard: null,
      target: 'paused',
      literal: null,
      tableRow: null,
    });
  });

  it('puts a literal only on guarded alternatives, and a fallback after every guarded one', () => {
    for (const row of rows) {
      expect(row.literal !== null).toBe(row.guard !== null);
      if (row.guard !== null) {
        expect(
          rows.some(
            (r) =>
              r.source === row.source &&
              r.eventType === row.eventType &&
              r.branch > row.branch &&
              r.guard === null,
          ),
        ).toBe(true);
      }
    }
  });

  it('lists no transition out of the final state', () => {
    expect(rows.filter((r) => r.source === 'stopped')).toStrictEqual([]);
  });
});

describe('triggerSamples', () => {
  const guarded = chartVocabulary().filter((r) => r.guard !== null);

  it.each(guarded.map((r) => [`${r.source} ${r.eventType} → ${r.target}`, r] as const))(
    'for %s: positives and lenient variants pick the literal, near misses and neutral do not',
    (_name, row) => {
      const s = triggerSamples(row);
      expect(s.positive.length).toBeGreaterThan(0);
      expect(s.nearMisses.length).toBeGreaterThanOrEqual(3);
      for (const t of [...s.positive, ...s.lenient])
        expect(selectExtraLiteral(row.source, row.target, t)).toBe(row.literal);
      for (const t of [...s.nearMisses, s.neutral])
        expect(selectExtraLiteral(row.source, row.target, t)).toBeNull();
    },
  );

  it('includes the near misses the original could trip on', () => {
    const cost = triggerSamples(guarded.find((r) => r.literal === 'kora.paused.cost_limit')!);
    expect(cost.nearMisses).toEqual(expect.arrayContaining(['Cost 100%', 'cost 99%', 'cost 100 %']));
    const ready = triggerSamples(guarded.find((r) => r.literal === 'kora.boot.ready')!);
    expect(ready.nearMisses).toContain('all 9.2 gates pass');
  });
});

describe('generateTestPaths', () => {
  it('covers every state with state coverage, every alternative with transition coverage', () => {
    const states = generateTestPaths({ coverage: 'states' });
    expect(new Set(states.map((p) => p.steps.at(-1)?.to ?? 'booting'))).toStrictEqual(
      new Set(['booting', 'ready', 'active', 'paused', 'stopped']),
    );
    const transitions = generateTestPaths({ coverage: 'transitions' });
    expect(transitions).toHaveLength(chartVocabulary().length);
    expect(new Set(transitions.map((p) => p.description)).size).toBe(transitions.length);
  });

  it('keeps both guarded alternatives into the same state', () => {
    const intoPausedFromReady = generateTestPaths()
      .map((p) => p.steps.at(-1)!)
      .filter((s) => s.from === 'ready' && s.to === 'paused');
    expect(intoPausedFromReady.map((s) => s.expectedEvents)).toStrictEqual([
      ['kora.operational_state.transitioned', 'kora.paused.cost_limit'],
      ['kora.operational_state.transitioned'],
    ]);
  });

  it('honours maxDepth and validates options', () => {
    expect(generateTestPaths({ maxDepth: 1 }).every((p) => p.steps.length <= 1)).toBe(true);
    expect(generateTestPaths({ maxDepth: 1 }).length).toBeLessThan(generateTestPaths().length);
    expect(() => generateTestPaths({ coverage: 'edges' as never })).toThrow(/coverage/);
    expect(() => generateTestPaths({ maxDepth: -2 })).toThrow(/maxDepth/);
  });
});
