import { assign, createActor, createMachine, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import {
  createMemoryChainStore,
  createOperationalState,
  OperationalStateInputError,
} from '../../src/index.js';
import {
  createInspectionRecorder,
  type EmitRecord,
  type InspectorRecord,
  type MicrostepRecord,
  type SnapshotRecord,
} from '../../src/inspect/index.js';
import { DEPTH_LIMIT_MARK } from '../../src/inspect/serialize.js';
import { REDACTION_FAILED } from '../../src/inspect/recorder.js';
import { capturingLogger, faultyStore, until } from '../support/stores.js';

const WS = 'ws-inspect';

async function recordedRun(options: Parameters<typeof createInspectionRecorder>[0] = {}) {
  const logger = capturingLogger();
  const recorder = createInspectionRecorder({ logger, ...options });
  const store = createMemoryChainStore();
  const rt = createOperationalState({ store, workspaceId: WS }, { logger, inspect: recorder });
  await rt.transitionTo('ready', 'all §9.2 gates pass', { claimPermission: 'normal' });
  await rt.send({ type: 'PAUSE', cause: 'cost_limit', addReasons: ['cost'] });
  await rt.flush();
  return { recorder, rt, store, logger };
}

const ofType = <T extends InspectorRecord['type']>(records: InspectorRecord[], type: T) =>
  records.filter((r): r is Extract<InspectorRecord, { type: T }> => r.type === type);

describe('inspection recorder: shapes', () => {
  it('writes Stately wire-format actor, event and snapshot records', async () => {
    const { recorder, rt } = await recordedRun();
    const records = recorder.records();
    const root = records[0]!;
    expect(root).toMatchObject({ type: '@xstate.actor', name: 'operationalState', parentId: undefined });
    for (const r of records) {
      expect(r).toEqual(
        expect.objectContaining({ id: expect.any(String), sessionId: expect.any(String), _version: '0.7.2' }),
      );
      expect(r.createdAt).toMatch(/^\d{13}$/);
    }
    const rootSession = rt.actor.sessionId;
    expect(root.sessionId).toBe(rootSession);
    expect(root.rootId).toBe(rootSession);
    if (root.type !== '@xstate.actor') throw new Error('unreachable');
    const definition = JSON.parse(root.definition!) as {
      states: { booting: { on: { GATES_PASSED: { guard?: unknown }[] } } };
    };
    expect(definition.states.booting.on.GATES_PASSED[0]!.guard).toStrictEqual({
      type: 'triggerContains',
      params: { text: 'all §9.2 gates pass' },
    });
    const emitter = ofType(records, '@xstate.actor').find((r) => r.name === 'emitter');
    expect(emitter?.parentId).toBe(rootSession);

    const events = ofType(records, '@xstate.event').filter((r) => r.sessionId === rootSession);
    expect(events.map((e) => e.event.type)).toStrictEqual(['xstate.init', 'GATES_PASSED', 'PAUSE']);
    expect(events[1]!.event).toMatchObject({ trigger: 'all §9.2 gates pass', claimPermission: 'normal' });
    expect(events[1]!.sourceId).toBeUndefined();

    const snapshots = ofType(records, '@xstate.snapshot').filter((r) => r.sessionId === rootSession);
    expect(snapshots.map((s) => s.snapshot.value)).toStrictEqual(['booting', 'ready', 'paused']);
    expect(snapshots[2]!.snapshot).toMatchObject({
      status: 'active',
      context: { claimPermission: 'normal', degradationReasons: ['cost'] },
      children: { emitter: { xstate$$type: 1, id: 'emitter' } },
    });
  });

  it('keeps microsteps with the guard that chose the literal, and actions with their params', async () => {
    const { recorder } = await recordedRun();
    const records = recorder.records();
    const steps = ofType(records, '@xstate.microstep') as MicrostepRecord[];
    const pause = steps.find((s) => s.event.type === 'PAUSE')!;
    expect(pause.value).toBe('paused');
    expect(pause.transitions).toStrictEqual([
      {
        eventType: 'PAUSE',
        source: 'operationalState.ready',
        targets: ['operationalState.paused'],
        guard: { type: 'triggerContains', params: { text: 'cost 100%' } },
        actions: [
          {
            type: 'commitTransition',
            params: { from: 'ready', to: 'paused', literal: 'kora.paused.cost_limit' },
          },
          { type: 'requestEmit' },
        ],
      },
    ]);
    const actions = ofType(records, '@xstate.action').map((a) => a.action.type);
    expect(actions).toContain('xstate.sendTo');
  });

  it('records emit outcomes: seq and hash prefix of every appended chain event', async () => {
    const { recorder, store } = await recordedRun();
    const emits = ofType(recorder.records(), '@opstate.emit') as EmitRecord[];
    const chain = await store.read(WS);
    expect(emits.map((e) => [e.transition.n, e.ok, e.transition.literal])).toStrictEqual([
      [1, true, 'kora.boot.ready'],
      [2, true, 'kora.paused.cost_limit'],
    ]);
    expect(emits.flatMap((e) => e.appended)).toStrictEqual(
      chain.map((c) => ({
        seq: c.seq,
        eventType: c.eventType,
        hashPrefix: c.hash.slice(0, 16),
        duplicate: false,
      })),
    );
  });

  it('records a failed emit with the OperationalStateEmitError', async () => {
    const recorder = createInspectionRecorder({ logger: capturingLogger() });
    const rt = createOperationalState(
      { store: faultyStore('throw', 'disk <full>'), workspaceId: WS },
      { logger: capturingLogger(), inspect: recorder },
    );
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    // The store never recovers: wait for the first failed attempt, then give up on the retries.
    await until(() => ofType(recorder.records(), '@opstate.emit').length > 0);
    await expect(rt.stop({ flushTimeoutMs: 10 })).rejects.toThrow(/stop timed out/);
    const [emit] = ofType(recorder.records(), '@opstate.emit') as EmitRecord[];
    expect(emit).toMatchObject({
      ok: false,
      appended: [],
      // Still queued: a failed emit is retried, not dropped.
      pending: 1,
      error: { name: 'OperationalStateEmitError', eventType: 'kora.operational_state.transitioned' },
    });
    expect(emit!.error!.message).toContain('disk <full>');
  });

  it('writes JSONL that parses back to the same records', async () => {
    const { recorder } = await recordedRun();
    const lines = recorder.toJSONL().trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toStrictEqual(
      JSON.parse(JSON.stringify(recorder.records())),
    );
  });
});

describe('inspection recorder: ordering', () => {
  it('ids increase in delivery order; event, microstep, snapshot, then the emit outcome', async () => {
    const { recorder, rt } = await recordedRun();
    const records = recorder.records();
    const numbers = records.map((r) => Number(r.id.split('-')[1]));
    expect(numbers).toStrictEqual([...numbers].sort((a, b) => a - b));
    const at = (pred: (r: InspectorRecord) => boolean) => records.findIndex(pred);
    const root = rt.actor.sessionId;
    const event = at((r) => r.type === '@xstate.event' && r.sessionId === root && r.event.type === 'PAUSE');
    const micro = at((r) => r.type === '@xstate.microstep' && r.event.type === 'PAUSE');
    const snap = at((r) => r.type === '@xstate.snapshot' && r.sessionId === root && r.event.type === 'PAUSE');
    const emit = at((r) => r.type === '@opstate.emit' && r.transition.n === 2);
    expect(event).toBeGreaterThan(0);
    expect(event < micro && micro < snap && snap < emit).toBe(true);
  });
});

describe('inspection recorder: bounds', () => {
  it('keeps at most `capacity` records, counts the dropped, and keeps the root actor record', async () => {
    const { recorder } = await recordedRun({ capacity: 8 });
    const records = recorder.records();
    // 8 kept, plus the evicted actor records (root and emitter), pinned so a late page can draw the chart.
    expect(records.length).toBe(10);
    expect(records.slice(0, 2)).toMatchObject([
      { type: '@xstate.actor', name: 'operationalState' },
      { type: '@xstate.actor', name: 'emitter' },
    ]);
    expect(recorder.dropped).toBeGreaterThan(10);
    expect(records.at(-1)).toMatchObject({ type: '@opstate.emit' });
  });

  it('cuts values deeper than depthLimit and survives cycles', () => {
    type Deep = { next?: Deep; self?: unknown };
    const deep: Deep = {};
    let cursor = deep;
    for (let i = 0; i < 50; i += 1) cursor = cursor.next = {};
    const recorder = createInspectionRecorder({ depthLimit: 4 });
    const machine = setup({ types: { context: {} as { deep: Deep } } }).createMachine({
      context: { deep },
      on: { SELF: { actions: assign(({ context }) => ({ deep: { ...context.deep, self: context } })) } },
    });
    const actor = createActor(machine, { inspect: recorder.observer }).start();
    actor.send({ type: 'SELF' });
    const snaps = recorder.records().filter((r): r is SnapshotRecord => r.type === '@xstate.snapshot');
    const serialized = JSON.stringify(snaps.at(-1)!.snapshot.context);
    expect(serialized).toContain(DEPTH_LIMIT_MARK);
    expect(serialized.length).toBeLessThan(400);
    expect(actor.getSnapshot().status).toBe('active');
  });

  it('refuses a bad capacity or depth limit, naming the value', () => {
    expect(() => createInspectionRecorder({ capacity: 0 })).toThrow(OperationalStateInputError);
    expect(() => createInspectionRecorder({ depthLimit: 1.5 })).toThrow(/depthLimit.*1\.5/);
  });
});

describe('inspection recorder: redaction', () => {
  it('applies redactContext to snapshots and literal contexts, redactInput to init and spawned input', () => {
    const recorder = createInspectionRecorder({
      redactContext: (context) =>
        'token' in (context as object) ? { token: '***' } : { ...(context as object), apiKey: '***' },
      redactInput: () => '[input withheld]',
    });
    const machine = setup({
      types: { context: {} as { apiKey: string; n: number }, input: {} as { apiKey: string } },
      actors: { child: createMachine({ context: { token: 'sk-child-literal' } }) },
    }).createMachine({
      context: ({ input }) => ({ apiKey: input.apiKey, n: 0 }),
      invoke: {
        src: 'child',
        input: ({ context }: { context: { apiKey: string } }) => ({ apiKey: context.apiKey }),
      },
      on: { INC: { actions: assign(({ context }) => ({ n: context.n + 1 })) } },
    });
    const actor = createActor(machine, {
      input: { apiKey: 'sk-secret' },
      inspect: recorder.observer,
    }).start();
    actor.send({ type: 'INC' });
    const text = recorder.toJSONL();
    expect(text).not.toContain('sk-secret');
    expect(text).not.toContain('sk-child-literal');
    expect(text).toContain('[input withheld]');
    const last = recorder
      .records()
      .filter((r): r is SnapshotRecord => r.type === '@xstate.snapshot')
      .at(-1)!;
    expect(last.snapshot.context).toStrictEqual({ apiKey: '***', n: 1 });
  });

  it('a redaction hook that throws withholds the value (fail closed) and never breaks the actor', async () => {
    const logger = capturingLogger();
    const recorder = createInspectionRecorder({
      logger,
      redactContext: () => {
        throw new Error('redactor bug');
      },
    });
    const rt = createOperationalState(
      { store: createMemoryChainStore(), workspaceId: WS },
      { logger, inspect: recorder },
    );
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.transitionTo('active', 'claim acquired');
    expect(rt.current.primaryState).toBe('active');
    const snaps = recorder.records().filter((r): r is SnapshotRecord => r.type === '@xstate.snapshot');
    expect(snaps.length).toBeGreaterThan(2);
    for (const s of snaps)
      if (s.snapshot.context !== undefined) expect(s.snapshot.context).toBe(REDACTION_FAILED);
    expect(logger.entries.filter((e) => e.message?.includes('redactContext'))).toHaveLength(1);
  });
});

describe('inspection recorder: isolation', () => {
  it('a sink that throws is reported once; the actor, the emits and other sinks carry on', async () => {
    const logger = capturingLogger();
    const recorder = createInspectionRecorder({ logger });
    const seen: string[] = [];
    recorder.subscribe(() => {
      throw new Error('sink bug');
    });
    recorder.subscribe((r) => seen.push(r.type));
    const store = createMemoryChainStore();
    const rt = createOperationalState({ store, workspaceId: WS }, { logger, inspect: recorder });
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.transitionTo('active', 'claim acquired');
    await rt.flush();
    expect(rt.current.primaryState).toBe('active');
    expect((await store.verify(WS)).ok).toBe(true);
    expect(seen).toContain('@opstate.emit');
    expect(logger.entries.filter((e) => e.message?.includes('sink threw'))).toHaveLength(1);
  });

  it('replays the kept records to a sink that asks for them, then streams', async () => {
    const { recorder, rt } = await recordedRun();
    const got: InspectorRecord[] = [];
    recorder.subscribe((r) => got.push(r), { replay: true });
    const before = got.length;
    expect(got).toStrictEqual(recorder.records());
    await rt.transitionTo('ready', 'credit refreshed');
    expect(got.length).toBeGreaterThan(before);
  });

  it('attaches late to a running runtime: current state first, then what follows', async () => {
    const rt = createOperationalState(
      { store: createMemoryChainStore(), workspaceId: WS },
      { logger: capturingLogger() },
    );
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    const recorder = createInspectionRecorder();
    const detach = recorder.attachActor(rt.actor);
    const detachEmits = recorder.attachEmits(rt);
    const [first, second] = recorder.records();
    expect(first).toMatchObject({
      type: '@xstate.actor',
      name: 'operationalState',
      snapshot: { value: 'ready' },
    });
    expect(second).toMatchObject({ type: '@xstate.actor', name: 'emitter', parentId: rt.actor.sessionId });
    await rt.transitionTo('active', 'claim acquired');
    await rt.flush();
    const types = recorder.records().map((r) => r.type);
    expect(types).toContain('@xstate.snapshot');
    expect(types.at(-1)).toBe('@opstate.emit');
    detach();
    detachEmits();
    const count = recorder.records().length;
    await rt.transitionTo('ready', 'claim released');
    await rt.flush();
    expect(recorder.records().length).toBe(count);
  });
});
