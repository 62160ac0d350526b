import { describe, expect, it } from 'vitest';
import {
  type ChainProvider,
  createMemoryChainStore,
  createOperationalState,
  DEGRADATION_REASONS,
  OperationalStateEmitError,
} from '../../src/index.js';
import { committedTransitionEvents, transitionEvents } from '../../src/emit/append-transition.js';
import { makeSnapshot } from '../../src/domain/snapshot.js';
import { capturingLogger, until } from '../support/stores.js';

const WS = 'ws-late-provider';

describe('an emit provider that comes up later', () => {
  it('is typed as ChainProvider, gets its connection assigned later, and then drains in order', async () => {
    // The documented shape, typed as the package types it: the assignment below must compile.
    const provider: ChainProvider = { connection: null, resolveWorkspaceId: () => WS };
    const logger = capturingLogger();
    const rt = createOperationalState({ provider }, { logger, retry: { initialDelayMs: 5, maxDelayMs: 20 } });
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.transitionTo('active', 'claim acquired');
    await until(() => rt.emitFailures >= 1);
    const first = logger.entries[0]?.fields.err;
    expect(first).toBeInstanceOf(OperationalStateEmitError);
    expect((first as OperationalStateEmitError).cause).toContain('connection not initialized');

    const store = createMemoryChainStore();
    provider.connection = store;
    await rt.flush({ timeoutMs: 5000 });
    expect((await store.read(WS)).map((e) => e.payload.trigger)).toStrictEqual([
      'all §9.2 gates pass',
      'all §9.2 gates pass',
      'claim acquired',
    ]);
    await rt.stop();
  });
});

describe("the pipeline's payload", () => {
  it('is what buildPayload gives for the snapshots of the same transition', () => {
    const reasons = [...DEGRADATION_REASONS].reverse();
    const t = {
      n: 1,
      from: 'active',
      to: 'active',
      trigger: 'posture update',
      at: new Date(0).toISOString(),
      claimPermission: 'critical_only',
      degradationReasons: [reasons[0], reasons[1], reasons[0]],
      previousClaimPermission: 'normal',
      previousDegradationReasons: [],
      literal: null,
    } as unknown as Parameters<typeof committedTransitionEvents>[0];
    const viaSnapshots = transitionEvents({
      from: makeSnapshot(t.from, t.previousClaimPermission, t.previousDegradationReasons),
      to: makeSnapshot(t.to, t.claimPermission, t.degradationReasons),
      trigger: t.trigger,
      literal: t.literal,
    });
    const direct = committedTransitionEvents(t);
    expect(direct.map((e) => e.payload)).toStrictEqual(viaSnapshots.map((e) => e.payload));
  });
});
