/*
 * The model-based suite: one test per path generated from the chart, replayed on a real runtime against
 * a real store. The expected chain events come from XState's pure transition() over the chart (the
 * emit service never runs there); the replay checks the real emit service against them.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryChainStore, createOperationalState, silentLogger } from '../../src/index.js';
import { freshWorkspace, sharedSqliteStore } from '../support/engines.js';
import {
  chartVocabulary,
  generateTestPaths,
  runTestPath,
  TestPathError,
  type TestRuntime,
} from '../../src/testing/index.js';

const stores: Record<string, () => Promise<TestRuntime> | TestRuntime> = {
  memory: () => {
    const store = createMemoryChainStore();
    const runtime = createOperationalState({ store, workspaceId: 'ws-model' }, { logger: silentLogger });
    return { runtime, store, workspaceId: 'ws-model', cleanup: () => store.close() };
  },
  // One SQLite file for the test file, as one long-running agent has; a fresh workspace per path.
  SQLite: async () => {
    const store = await sharedSqliteStore();
    const workspaceId = freshWorkspace('model');
    const runtime = createOperationalState({ store, workspaceId }, { logger: silentLogger });
    return { runtime, store, workspaceId };
  },
};

const byCoverage = {
  states: generateTestPaths({ coverage: 'states' }),
  transitions: generateTestPaths({ coverage: 'transitions' }),
};

for (const [storeName, factory] of Object.entries(stores)) {
  for (const [coverage, paths] of Object.entries(byCoverage)) {
    describe(`${coverage} coverage on the ${storeName} store`, () => {
      it.each(paths.map((p) => [p.description, p] as const))('%s', async (_d, path) => {
        await runTestPath(path, factory);
      });
    });
  }
}

/** The original's literal rules (domain.md §4), written independently of the chart. */
function ruleLiteral(from: string, to: string): string | null {
  if (from === 'booting' && to === 'ready') return 'kora.boot.ready';
  if (from === 'booting' && to === 'stopped') return 'kora.boot.failed';
  if (to === 'paused') return 'kora.paused.cost_limit';
  return null;
}

describe('coverage', () => {
  const steps = byCoverage.transitions.flatMap((p) => p.steps);

  it('hits every (state, event, guard branch) row of chartVocabulary()', () => {
    for (const row of chartVocabulary()) {
      const hit = steps.some(
        (s) => s.from === row.source && s.event.type === row.eventType && s.branch === row.branch,
      );
      expect(hit, `${row.source} ${row.eventType} branch ${row.branch}`).toBe(true);
    }
  });

  it('hits, for every arrow of the chart, both the literal and the plain branch its rule calls for', () => {
    const arrows = new Set(chartVocabulary().map((r) => `${r.source}|${r.eventType}|${r.target}`));
    for (const arrow of arrows) {
      const [from, type, to] = arrow.split('|') as [string, string, string];
      const wanted = [null, ruleLiteral(from, to)].filter((l, i) => i === 0 || l !== null);
      for (const literal of wanted) {
        const hit = steps.some(
          (s) =>
            s.from === from &&
            s.event.type === type &&
            s.to === to &&
            (s.expectedEvents[1] ?? null) === literal,
        );
        expect(hit, `${from} —${type}→ ${to} ${literal ?? '(generic only)'}`).toBe(true);
      }
    }
  });
});

describe('runTestPath', () => {
  it('fails, naming the path and step, when the store does not append what the chart says', async () => {
    const path = byCoverage.transitions.find((p) => p.steps.at(-1)?.expectedEvents.length === 2)!;
    const lossy = (): TestRuntime => {
      const inner = createMemoryChainStore();
      const store = {
        ...inner,
        // Drops every literal: the generic event alone is appended.
        append: (ws: string, events: Parameters<typeof inner.append>[1]) =>
          inner.append(ws, events.slice(0, 1)),
      };
      const runtime = createOperationalState({ store, workspaceId: 'ws-lossy' }, { logger: silentLogger });
      return { runtime, store, workspaceId: 'ws-lossy' };
    };
    const err = await runTestPath(path, lossy).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TestPathError);
    expect((err as Error).message).toContain(path.description);
    expect((err as Error).message).toMatch(/expected chain events .* appended/);
  });
});
