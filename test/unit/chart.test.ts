import { describe, expect, it } from 'vitest';
import { createActor, fromCallback } from 'xstate';
import { operationalStateMachine } from '../../src/index.js';
import { type EmitRequest } from '../../src/emit/index.js';
import { LITERAL_TRIGGER_TEXT, PAUSED_COST_LIMIT_EVENT } from '../../src/machine/index.js';

/** Every (state, event) → guard params the chart defines, read from the definition, not from code. */
function literalGuards() {
  const out: { state: string; event: string; text: string }[] = [];
  for (const [state, node] of Object.entries(operationalStateMachine.root.states)) {
    for (const [event, defs] of node.transitions) {
      for (const d of defs) {
        const guard = d.guard as { type?: string; params?: { text?: string } } | undefined;
        if (guard?.type === 'triggerContains') out.push({ state, event, text: guard.params?.text ?? '' });
      }
    }
  }
  return out;
}

function recordingEmitService(requests: EmitRequest[]) {
  return fromCallback<EmitRequest>(({ receive }) => {
    receive((r) => requests.push(r));
  });
}

describe('the chart', () => {
  it('puts the trigger vocabulary in parameterized guards, visible in the definition', () => {
    const guards = literalGuards();
    expect(new Set(guards.map((g) => g.text))).toStrictEqual(new Set(Object.values(LITERAL_TRIGGER_TEXT)));
    // Every transition into paused (same-state paused included) has the cost-limit alternative.
    const intoPaused = guards.filter((g) => g.text === 'cost 100%').map((g) => `${g.state}:${g.event}`);
    expect(intoPaused.sort()).toStrictEqual(
      [
        'active:PAUSE',
        'booting:EPOCH_MISMATCH',
        'booting:PAUSE',
        'paused:PAUSE',
        'paused:UPDATE_POSTURE',
        'ready:PAUSE',
      ].sort(),
    );
    expect(JSON.stringify(operationalStateMachine.toJSON())).toContain('"triggerContains"');
  });

  it('sends one emit request per transition to the invoked emit service, with the literal its guard chose', () => {
    const requests: EmitRequest[] = [];
    const machine = operationalStateMachine.provide({
      actors: { emitService: recordingEmitService(requests) },
    });
    const actor = createActor(machine).start();
    actor.send({ type: 'GATES_PASSED' });
    actor.send({ type: 'PAUSE', cause: 'operator' });
    actor.send({ type: 'UPDATE_POSTURE', trigger: 'cost 100% still', addReasons: ['cost'] });
    actor.send({ type: 'STOP' });
    expect(actor.getSnapshot().status).toBe('done');
    expect(requests.map((r) => [r.transition.from, r.transition.to, r.transition.literal])).toStrictEqual([
      ['booting', 'ready', 'kora.boot.ready'],
      ['ready', 'paused', null],
      ['paused', 'paused', PAUSED_COST_LIMIT_EVENT],
      ['paused', 'stopped', null],
    ]);
    expect(requests[2]?.transition.degradationReasons).toStrictEqual(['cost']);
  });

  it('PAUSE defaults its trigger to its own cause: an operator pause never picks the cost literal', () => {
    const requests: EmitRequest[] = [];
    const machine = operationalStateMachine.provide({
      actors: { emitService: recordingEmitService(requests) },
    });
    for (const [cause, literal] of [
      ['operator', null],
      ['stop_kora', null],
      ['cost_limit', PAUSED_COST_LIMIT_EVENT],
    ] as const) {
      const actor = createActor(machine).start();
      actor.send({ type: 'PAUSE', cause });
      expect(requests.at(-1)?.transition.literal).toBe(literal);
      actor.stop();
    }
    const actor = createActor(machine).start();
    actor.send({ type: 'PAUSE' });
    expect(requests.at(-1)?.transition).toMatchObject({ literal: null, trigger: 'operator' });
  });

  it('fails loudly, in context, when nobody provided an emit service', () => {
    const actor = createActor(operationalStateMachine).start();
    actor.send({ type: 'GATES_PASSED' });
    const { context, status, value } = actor.getSnapshot();
    expect(value).toBe('ready');
    expect(status).toBe('active');
    expect(context.emitFailures).toBe(1);
    expect(context.lastEmitFailure?.message).toMatch(/no emit service provided/);
  });

  it('stays active when raw events carry garbage: guards and actions are total', () => {
    const requests: EmitRequest[] = [];
    const machine = operationalStateMachine.provide({
      actors: { emitService: recordingEmitService(requests) },
    });
    const actor = createActor(machine).start();
    actor.send({ type: 'GATES_PASSED', trigger: 42, addReasons: 'auth', claimPermission: 'root' } as never);
    actor.send({ type: 'NOT_AN_EVENT' } as never);
    const s = actor.getSnapshot();
    expect(s.status).toBe('active');
    expect(s.value).toBe('ready');
    expect(s.context.claimPermission).toBe('none');
    expect(s.context.degradationReasons).toStrictEqual([]);
    expect(requests[0]?.transition.trigger).toBe('all §9.2 gates pass');
  });

  it('bounds the history ring by its input size', () => {
    const machine = operationalStateMachine.provide({ actors: { emitService: recordingEmitService([]) } });
    const actor = createActor(machine, { input: { historySize: 3 } }).start();
    for (let i = 0; i < 5; i++) actor.send({ type: 'GATE_RETRY', trigger: `retry ${i}` });
    expect(actor.getSnapshot().context.history.map((h) => h.trigger)).toStrictEqual([
      'retry 2',
      'retry 3',
      'retry 4',
    ]);
    expect(actor.getSnapshot().context.transitionCount).toBe(5);
  });
});
