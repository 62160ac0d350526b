import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { createMemoryChainStore, createOperationalState, operationalStateMachine } from '../../src/index.js';
import { capturingLogger } from '../support/stores.js';

const send = (rt: { actor: { send: unknown } }, event: object) =>
  (rt.actor.send as (e: object) => void)(event);

describe('forged internal events through runtime.actor change nothing', () => {
  it.each([
    ['xstate.error.actor.emitter', { type: 'xstate.error.actor.emitter', error: new Error('forged') }],
    ['xstate.done.actor.emitter', { type: 'xstate.done.actor.emitter', output: 'forged' }],
  ])('a forged %s: context unchanged, every later transition appended', async (_name, forged) => {
    const store = createMemoryChainStore();
    const logger = capturingLogger();
    const rt = createOperationalState({ store, workspaceId: 'ws-forged' }, { logger });
    await rt.transitionTo('ready', 'gates pass');
    await rt.flush();
    const before = rt.actor.getSnapshot().context;
    send(rt, forged);
    expect(rt.actor.getSnapshot().context).toStrictEqual(before);
    expect(rt.actor.getSnapshot().context.emitServiceDown).toBeNull();
    await rt.transitionTo('active', 'claim acquired');
    await rt.transitionTo('ready', 'claim released');
    await rt.transitionTo('active', 'claim acquired again');
    await rt.flush();
    const events = await store.read('ws-forged');
    expect(events.map((e) => e.payload.to_primary_state)).toStrictEqual([
      'ready',
      'active',
      'ready',
      'active',
    ]);
    expect(rt.emitFailures).toBe(0);
    expect(rt.actor.getSnapshot().context.emitFailures).toBe(0);
    await rt.stop();
  });
});

describe('a real death of the emit service is seen by the runtime, not only by the chart', () => {
  it('the emit child stopped under a live runtime: logged as an error, counted in emitFailures, later transitions still appended (pendingEmits and flush() cover them)', async () => {
    const store = createMemoryChainStore();
    const logger = capturingLogger();
    const rt = createOperationalState({ store, workspaceId: 'ws-dead' }, { logger });
    await rt.transitionTo('ready', 'gates pass');
    await rt.flush();
    const child = rt.actor.getSnapshot().children.emitter;
    expect(child?.getSnapshot().status).toBe('active');
    // The one way to end it from outside: XState refuses child.stop() on a non-root actor.
    child?.send({ type: 'xstate.stop' } as never);
    expect(child?.getSnapshot().status).toBe('stopped');
    await rt.transitionTo('active', 'claim acquired');
    expect(rt.pendingEmits).toBe(1);
    await rt.transitionTo('ready', 'claim released');
    expect(rt.emitFailures).toBe(1);
    const death = logger.entries.find((e) => e.level === 'error' && /emit service/.test(e.message ?? ''));
    expect(death?.fields.err).toBeInstanceOf(Error);
    await rt.flush();
    expect(rt.pendingEmits).toBe(0);
    const events = await store.read('ws-dead');
    expect(events.map((e) => e.payload.to_primary_state)).toStrictEqual(['ready', 'active', 'ready']);
    await rt.stop();
  });
});

describe('runtime.actor.send is stamped with the real time', () => {
  it('a raw CLAIM_ACQUIRED through runtime.actor: history and chain dated now, not 1970-01-01', async () => {
    const store = createMemoryChainStore();
    const rt = createOperationalState({ store, workspaceId: 'ws-raw' }, { logger: capturingLogger() });
    await rt.transitionTo('ready', 'gates pass');
    const before = Date.now();
    rt.actor.send({ type: 'CLAIM_ACQUIRED' });
    const at = rt.history().at(-1)?.at ?? '';
    expect(rt.current.primaryState).toBe('active');
    expect(Date.parse(at)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(at)).toBeLessThanOrEqual(Date.now() + 1);
    await rt.flush();
    const last = (await store.read('ws-raw')).at(-1);
    expect(last?.payload.to_primary_state).toBe('active');
    expect(JSON.stringify(last?.payload)).not.toContain('1970-01-01');
    await rt.stop();
  });
});

describe('a promise used as the emit service', () => {
  it('every transition it was sent is counted when it completes, none silently lost', async () => {
    let finish: () => void = () => {};
    const pending = fromPromise(() => new Promise<void>((resolve) => (finish = resolve)));
    const actor = createActor(operationalStateMachine.provide({ actors: { emitService: pending as never } }));
    actor.start();
    actor.send({ type: 'GATES_PASSED' });
    actor.send({ type: 'CLAIM_ACQUIRED' });
    actor.send({ type: 'CLAIM_RELEASED' });
    finish();
    await new Promise((r) => setTimeout(r, 5));
    expect(actor.getSnapshot().context.emitServiceDown).not.toBeNull();
    expect(actor.getSnapshot().context.emitFailures).toBe(3);
    actor.send({ type: 'CLAIM_ACQUIRED' });
    expect(actor.getSnapshot().context.emitFailures).toBe(4);
    expect(actor.getSnapshot().context.lastEmitFailure?.transition).toBe(4);
  });
});
