import { createActor } from 'xstate';
import { getAdjacencyMap, getShortestPaths, getSimplePaths } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import {
  operationalStateConfig,
  operationalStateMachine,
  opstateGraphOptions,
  PRIMARY_STATES,
  snapshotIn,
} from '../../src/index.js';
import { chartVocabulary } from '../../src/testing/index.js';

// xstate/graph's defaults serialize the whole context (history, counters): every snapshot is a new
// vertex and traversal of the chart never ends. The exported options must make xstate's own tools finish.

describe('opstateGraphOptions', () => {
  it('getShortestPaths finishes and reaches every state', () => {
    const paths = getShortestPaths(operationalStateMachine, opstateGraphOptions);
    expect(new Set(paths.map((p) => String(p.state.value)))).toEqual(new Set(PRIMARY_STATES));
  }, 10_000);

  it('getSimplePaths finishes, with paths no longer than the chart is deep', () => {
    const paths = getSimplePaths(operationalStateMachine, opstateGraphOptions);
    expect(paths.length).toBeGreaterThan(PRIMARY_STATES.length);
    expect(paths.every((p) => p.steps.length <= 1 + 5)).toBe(true);
  }, 10_000);

  it('offers every guarded alternative of the chart as an edge, with the literal it appends', () => {
    const adjacency = getAdjacencyMap(operationalStateMachine, opstateGraphOptions);
    type Edge = { event: { type: string }; state: ReturnType<typeof snapshotIn> };
    const edges = Object.values(adjacency).flatMap(({ state, transitions }) =>
      (Object.values(transitions) as Edge[]).map(({ event, state: next }) => ({
        source: String(state.value),
        type: event.type,
        target: String(next.value),
        literal: next.context.lastTransition?.literal ?? null,
      })),
    );
    for (const row of chartVocabulary()) {
      expect(edges, `${row.source} ${row.eventType} → ${row.target}`).toContainEqual({
        source: row.source,
        type: row.eventType,
        target: row.target,
        literal: row.literal,
      });
    }
  }, 10_000);

  it('starts from any snapshot, e.g. snapshotIn', () => {
    const fromState = snapshotIn('paused', {
      claimPermission: 'critical_only',
      degradationReasons: ['cost'],
    });
    const paths = getShortestPaths(operationalStateMachine, { ...opstateGraphOptions, fromState });
    expect(paths.map((p) => String(p.state.value)).sort()).toEqual(['active', 'paused', 'ready', 'stopped']);
  }, 10_000);
});

describe('state descriptions and tags', () => {
  it('gives every state a one-line description and at least one tag', () => {
    for (const [name, node] of Object.entries(operationalStateMachine.root.states)) {
      expect(node.description, name).toMatch(/^[^\n]{10,120}$/);
      expect(node.tags.length, name).toBeGreaterThan(0);
    }
    expect(Object.keys(operationalStateConfig.states)).toEqual([...PRIMARY_STATES]);
  });

  it('tags ready as claimable and stopped as terminal, on a running actor', () => {
    const actor = createActor(operationalStateMachine).start();
    expect(actor.getSnapshot().hasTag('starting')).toBe(true);
    actor.send({ type: 'GATES_PASSED' });
    expect(actor.getSnapshot().hasTag('claimable')).toBe(true);
    actor.send({ type: 'STOP' });
    expect(actor.getSnapshot().hasTag('terminal')).toBe(true);
    expect(actor.getSnapshot().hasTag('claimable')).toBe(false);
    actor.stop();
  });
});
