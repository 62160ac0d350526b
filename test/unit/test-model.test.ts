import { describe, expect, it } from 'vitest';
import {
  createMemoryChainStore,
  createOperationalState,
  type OperationalStateEvent,
} from '../../src/index.js';
import { BOOT_FAILED_EVENT, BOOT_READY_EVENT, PAUSED_COST_LIMIT_EVENT } from '../../src/machine/index.js';
import { createOperationalStateTestModel } from '../../src/testing/index.js';
import { capturingLogger } from '../support/stores.js';

const CHART_EVENTS = [
  'GATES_PASSED',
  'GATE_RETRY',
  'BOOT_FAILED',
  'EPOCH_MISMATCH',
  'CLAIM_ACQUIRED',
  'CLAIM_RELEASED',
  'PAUSE',
  'CREDIT_REFRESHED',
  'OPERATOR_RESET',
  'STOP',
  'UPDATE_POSTURE',
] as const;

describe("item 6: createOperationalStateTestModel works with xstate's own tools", () => {
  it('getShortestPaths reaches every state, and every literal-guarded alternative is reachable', () => {
    const model = createOperationalStateTestModel();
    const shortest = model.getShortestPaths();
    // TestModel drops paths that are prefixes of others: count the states along every path.
    expect(new Set(shortest.flatMap((p) => p.steps.map((s) => s.state.value)))).toStrictEqual(
      new Set(['booting', 'ready', 'active', 'paused', 'stopped']),
    );
    const simple = model.getSimplePaths();
    const literals = new Set(
      simple.flatMap((p) => p.steps.map((s) => s.state.context.lastTransition?.literal ?? null)),
    );
    expect(literals).toStrictEqual(
      new Set([null, BOOT_READY_EVENT, BOOT_FAILED_EVENT, PAUSED_COST_LIMIT_EVENT]),
    );
  });

  it('path.test drives a real runtime along every shortest path', async () => {
    const model = createOperationalStateTestModel();
    const paths = model.getShortestPaths();
    expect(paths.length).toBeGreaterThanOrEqual(3);
    for (const path of paths) {
      const rt = createOperationalState(
        { store: createMemoryChainStore(), workspaceId: 'ws-model' },
        { logger: capturingLogger() },
      );
      const events = Object.fromEntries(
        CHART_EVENTS.map((type) => [
          type,
          async ({ event }: { event: { type: string } }) => {
            await rt.send(event as OperationalStateEvent);
          },
        ]),
      );
      await path.test({
        events,
        states: {
          '*': (state) => {
            expect(rt.current.primaryState).toBe(state.value);
            expect(rt.current.claimPermission).toBe(state.context.claimPermission);
          },
        },
      });
      await rt.stop();
    }
  });
});
