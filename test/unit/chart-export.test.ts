import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chartVocabulary, toDot, toMachineJSON, toMermaid } from '../../src/testing/index.js';

describe('chart export', () => {
  it('draws one Mermaid arrow per guarded alternative, with guard params and literal', () => {
    const mermaid = toMermaid();
    expect(mermaid.startsWith('stateDiagram-v2\n  [*] --> booting\n')).toBe(true);
    const arrows = mermaid.split('\n').filter((l) => / --> (?!\[\*\])/.test(l) && !l.includes('[*] -->'));
    expect(arrows).toHaveLength(chartVocabulary().length);
    expect(mermaid).toContain(
      'ready --> paused : PAUSE [triggerContains("cost 100%")] / kora.paused.cost_limit',
    );
    expect(mermaid).toContain('stopped --> [*]');
  });

  it('emits DOT with quoted, escaped labels', () => {
    const dot = toDot();
    expect(dot).toMatch(/^digraph operationalState \{/);
    expect(dot).toContain(
      '"booting" -> "ready" [label="GATES_PASSED [triggerContains(\\"all §9.2 gates pass\\")] / kora.boot.ready"];',
    );
    expect(dot.trim().endsWith('}')).toBe(true);
  });

  it('exports the machine definition as JSON, guards and meta included', () => {
    const json = toMachineJSON() as {
      states: Record<string, { on: Record<string, { guard?: unknown; meta?: unknown }[]> }>;
    };
    expect(Object.keys(json.states)).toStrictEqual(['booting', 'ready', 'active', 'paused', 'stopped']);
    expect(json.states.booting?.on.GATES_PASSED?.[0]).toMatchObject({
      guard: { type: 'triggerContains', params: { text: 'all §9.2 gates pass' } },
      meta: { row: 1 },
    });
  });

  it('is what docs/chart.md embeds', () => {
    const page = readFileSync(new URL('../../docs/chart.md', import.meta.url), 'utf8');
    const block = /```mermaid\n([\s\S]*?)```/.exec(page)?.[1];
    expect(block, 'docs/chart.md has a ```mermaid block').toBeDefined();
    expect(block).toBe(toMermaid());
  });
});
