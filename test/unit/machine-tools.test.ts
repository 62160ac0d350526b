import { describe, expect, it } from 'vitest';
import {
  createActor,
  createMachine,
  type EventFromLogic,
  fromCallback,
  fromPromise,
  getNextSnapshot,
  initialTransition,
  type SnapshotFrom,
  transition,
} from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import {
  createMemoryChainStore,
  createOperationalState,
  type OperationalStateEvent,
  operationalStateConfig,
  operationalStateImplementations,
  operationalStateMachine,
  OperationalStateInputError,
  snapshotIn,
} from '../../src/index.js';
import { toMachineJSON } from '../../src/testing/index.js';
import { capturingLogger } from '../support/stores.js';

type Snapshot = SnapshotFrom<typeof operationalStateMachine>;

const SCRIPT: OperationalStateEvent[] = [
  { type: 'GATE_RETRY' },
  { type: 'GATES_PASSED', addReasons: ['auth'] },
  { type: 'CLAIM_ACQUIRED', claimPermission: 'normal' },
  { type: 'PAUSE', cause: 'cost_limit' },
  { type: 'UPDATE_POSTURE', removeReasons: ['auth'] },
  { type: 'CREDIT_REFRESHED' },
  { type: 'STOP' },
];

function replayPure(machine: typeof operationalStateMachine, events: readonly OperationalStateEvent[]) {
  let [s] = initialTransition(machine, {});
  for (const e of events) [s] = transition(machine, s, e);
  return s;
}

describe('defect 4: the chart is pure (time comes from outside)', () => {
  it('pure transition() gives identical snapshots for identical input, apart in time', async () => {
    const a = replayPure(operationalStateMachine, SCRIPT);
    await new Promise((r) => setTimeout(r, 5));
    const b = replayPure(operationalStateMachine, SCRIPT);
    expect(a.context).toStrictEqual(b.context);
    expect(a.value).toBe('stopped');
  });

  it('a stamped event carries its own time into history; the runtime stamps every event', async () => {
    const [s0] = initialTransition(operationalStateMachine, {});
    const [s1] = transition(operationalStateMachine, s0, {
      type: 'GATES_PASSED',
      at: '2026-01-02T03:04:05.678Z',
    } as OperationalStateEvent);
    expect(s1.context.history.at(-1)?.at).toBe('2026-01-02T03:04:05.678Z');
    const rt = createOperationalState(
      { store: createMemoryChainStore(), workspaceId: 'ws-pure' },
      { logger: capturingLogger() },
    );
    const before = Date.now();
    await rt.transitionTo('ready', 'go');
    const at = Date.parse(rt.history().at(-1)?.at ?? '');
    expect(at).toBeGreaterThanOrEqual(before - 1);
    expect(at).toBeLessThanOrEqual(Date.now() + 1);
    await rt.stop();
  });
});

describe('defect 5: forged internal events are refused', () => {
  it('a forged EMIT_FAILED sent to the actor is not counted; counters agree', async () => {
    const rt = createOperationalState(
      { store: createMemoryChainStore(), workspaceId: 'ws-forge' },
      { logger: capturingLogger() },
    );
    (rt.actor.send as (e: unknown) => void)({ type: 'EMIT_FAILED', eventType: 'x', message: 'forged' });
    expect(rt.actor.getSnapshot().context.emitFailures).toBe(0);
    expect(rt.emitFailures).toBe(0);
    await expect(rt.send({ type: 'EMIT_FAILED' } as never)).rejects.toThrow(OperationalStateInputError);
    await rt.stop();
  });

  it("the machine's event union (what actor.send accepts) has no internal event", () => {
    type Types = EventFromLogic<typeof operationalStateMachine>['type'];
    // Checked at compile time too: `npm run typecheck` fails if EMIT_FAILED is part of the union.
    const internal: [Extract<Types, 'EMIT_FAILED'>] extends [never] ? 'absent' : 'present' = 'absent';
    expect(internal).toBe('absent');
    const rt = createOperationalState(
      { store: createMemoryChainStore(), workspaceId: 'ws-forge' },
      { logger: capturingLogger() },
    );
    // @ts-expect-error EMIT_FAILED is not a public event
    rt.actor.send({ type: 'EMIT_FAILED', eventType: 'x', message: 'forged' });
    expect(rt.actor.getSnapshot().context.emitFailures).toBe(0);
    void rt.stop();
  });
});

describe('defect 2: a failing emit service is loud on the bare machine', () => {
  it('a provided service that throws once: that and every later transition is counted, named', () => {
    const throwing = fromCallback(({ receive }) => {
      receive(() => {
        throw new Error('boom');
      });
    });
    const actor = createActor(
      operationalStateMachine.provide({ actors: { emitService: throwing as never } }),
    );
    actor.start();
    actor.send({ type: 'GATES_PASSED' });
    actor.send({ type: 'CLAIM_ACQUIRED' });
    actor.send({ type: 'CLAIM_RELEASED' });
    const ctx = actor.getSnapshot().context;
    expect(actor.getSnapshot().status).toBe('active');
    expect(ctx.emitFailures).toBe(3);
    expect(ctx.lastEmitFailure?.message).toMatch(/transition #3 was not appended/);
    expect(ctx.lastEmitFailure?.message).toMatch(/boom/);
  });

  it('a provided fromPromise service that completes: later emits are counted, not dropped', async () => {
    const once = fromPromise(async () => 'done');
    const actor = createActor(operationalStateMachine.provide({ actors: { emitService: once as never } }));
    actor.start();
    await new Promise((r) => setTimeout(r, 10));
    actor.send({ type: 'GATES_PASSED' });
    actor.send({ type: 'CLAIM_ACQUIRED' });
    const ctx = actor.getSnapshot().context;
    expect(ctx.emitFailures).toBeGreaterThanOrEqual(2);
    expect(ctx.lastEmitFailure?.message).toMatch(/transition #2 was not appended/);
  });
});

describe('item 7: snapshotIn(state, posture?) for transition(), getNextSnapshot and graph traversal', () => {
  it('transition() and getNextSnapshot from paused, with posture', () => {
    const s = snapshotIn('paused', { claimPermission: 'critical_only', degradationReasons: ['cost'] });
    expect(s.value).toBe('paused');
    expect(s.context.claimPermission).toBe('critical_only');
    const [next] = transition(operationalStateMachine, s, { type: 'CREDIT_REFRESHED' });
    expect(next.value).toBe('ready');
    expect(getNextSnapshot(operationalStateMachine, s, { type: 'STOP' }).value).toBe('stopped');
  });

  it('graph traversal starts from it', () => {
    const paths = getShortestPaths(operationalStateMachine, {
      fromState: snapshotIn('paused'),
      events: [{ type: 'CREDIT_REFRESHED' }, { type: 'STOP' }, { type: 'CLAIM_ACQUIRED' }],
      serializeState: (s: Snapshot) => JSON.stringify(s.value),
    });
    expect(new Set(paths.map((p) => p.state.value))).toStrictEqual(
      new Set(['paused', 'ready', 'stopped', 'active']),
    );
  });

  it('rejects a bad state or posture with the input error', () => {
    expect(() => snapshotIn('sleeping' as never)).toThrow(OperationalStateInputError);
    expect(() => snapshotIn('ready', { degradationReasons: ['nope' as never] })).toThrow(
      OperationalStateInputError,
    );
  });
});

describe('item 8: the exported machine config round-trips through createMachine(...).provide(...)', () => {
  it('has no functions (JSON round trip is identity) and replays a script like the machine', () => {
    expect(JSON.parse(JSON.stringify(operationalStateConfig))).toStrictEqual(operationalStateConfig);
    const rebuilt = createMachine(operationalStateConfig).provide(operationalStateImplementations);
    const a = replayPure(operationalStateMachine, SCRIPT);
    const b = replayPure(rebuilt as unknown as typeof operationalStateMachine, SCRIPT);
    expect(b.value).toBe(a.value);
    expect(b.context).toStrictEqual(a.context);
    // Same literal choices step by step, not just the same end.
    expect(b.context.history.map((h) => h.to)).toStrictEqual(a.context.history.map((h) => h.to));
  });
});

describe('item 8: toMachineJSON() is the importable config', () => {
  it('createMachine(toMachineJSON()).provide(...) replays a script like the machine', () => {
    const json = toMachineJSON();
    const rebuilt = createMachine(json as typeof operationalStateConfig).provide(
      operationalStateImplementations,
    );
    const a = replayPure(operationalStateMachine, SCRIPT);
    const b = replayPure(rebuilt as unknown as typeof operationalStateMachine, SCRIPT);
    expect(b.value).toBe(a.value);
    expect(b.context).toStrictEqual(a.context);
  });
});
