import { describe, expect, it } from 'vitest';
import {
  createMemoryChainStore,
  createOperationalState,
  InvalidStateTransitionError,
  OperationalStateInputError,
  type OperationalStateSnapshot,
} from '../../src/index.js';
import { BOOT_READY_EVENT, GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { capturingLogger } from '../support/stores.js';

const WS = 'ws-runtime';

function runtime(options: Parameters<typeof createOperationalState>[1] = {}) {
  const store = createMemoryChainStore();
  const logger = capturingLogger();
  const rt = createOperationalState({ store, workspaceId: WS }, { logger, ...options });
  return { rt, store, logger };
}

describe('createOperationalState', () => {
  it('starts booting, claim none, not degraded', () => {
    const { rt } = runtime();
    expect(rt.current).toStrictEqual({
      primaryState: 'booting',
      claimPermission: 'none',
      degradationReasons: [],
      isDegraded: false,
    });
  });

  it('transitionTo resolves with the new state in place, then the emit lands on flush', async () => {
    const { rt, store } = runtime();
    const next = await rt.transitionTo('ready', 'all §9.2 gates pass', { claimPermission: 'normal' });
    expect(next).toMatchObject({ primaryState: 'ready', claimPermission: 'normal' });
    expect(rt.current).toStrictEqual(next);
    await rt.flush();
    const events = await store.read(WS);
    expect(events.map((e) => e.eventType)).toStrictEqual([GENERIC_TRANSITION_EVENT, BOOT_READY_EVENT]);
    expect(await store.verify(WS)).toMatchObject({ ok: true, length: 2 });
  });

  it('applies posture in order: claim permission, then add, then remove', async () => {
    const { rt } = runtime();
    await rt.transitionTo('booting', 'stage', { addReasons: ['auth', 'dispatch'] });
    const s = await rt.transitionTo('booting', 'swap', {
      claimPermission: 'critical_only',
      addReasons: ['substrate', 'cost'],
      removeReasons: ['cost', 'auth', 'operator'],
    });
    // 'cost' added then removed: removal wins; removing an absent reason is a no-op.
    expect(s).toStrictEqual({
      primaryState: 'booting',
      claimPermission: 'critical_only',
      degradationReasons: ['dispatch', 'substrate'],
      isDegraded: true,
    });
  });

  it('rejects a pair the table lacks: state unchanged, nothing appended', async () => {
    const { rt, store } = runtime();
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.flush();
    const before = await store.read(WS);
    const err = await rt.transitionTo('booting', 'back to boot').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidStateTransitionError);
    expect((err as Error).message).toBe(
      "Invalid transition: ready → booting is not in TRANSITION_TABLE (trigger='back to boot')",
    );
    expect(rt.current.primaryState).toBe('ready');
    await rt.flush();
    expect(await store.read(WS)).toStrictEqual(before);
    expect(rt.history()).toHaveLength(1);
  });

  it('allows same-state posture updates in every non-final state and emits them', async () => {
    const { rt, store } = runtime();
    await rt.transitionTo('booting', 'b');
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.transitionTo('ready', 'ready + claim_permission bump', { claimPermission: 'normal' });
    await rt.transitionTo('active', 'claim acquired');
    await rt.transitionTo('active', 'a');
    await rt.transitionTo('paused', 'operator');
    const s = await rt.transitionTo('paused', 'cost ladder HARD_STOP_100 pre-claim', {
      addReasons: ['cost'],
    });
    expect(s).toMatchObject({ primaryState: 'paused', degradationReasons: ['cost'] });
    await rt.flush();
    const generic = await store.read(WS, { eventTypePrefix: GENERIC_TRANSITION_EVENT });
    expect(generic).toHaveLength(7);
  });

  it('stopped is final: every further request is an InvalidStateTransitionError', async () => {
    const { rt, store } = runtime();
    await rt.send({ type: 'STOP' });
    for (const to of ['stopped', 'booting', 'ready', 'paused'] as const) {
      await expect(rt.transitionTo(to, 'again')).rejects.toBeInstanceOf(InvalidStateTransitionError);
    }
    await expect(rt.send({ type: 'UPDATE_POSTURE' })).rejects.toThrow(/stopped is final/);
    await rt.flush();
    expect((await store.read(WS)).map((e) => e.payload.to_primary_state)).toStrictEqual(['stopped']);
  });

  it('send() validates typed events and rejects events the state does not accept', async () => {
    const { rt } = runtime();
    await expect(rt.send({ type: 'CLAIM_ACQUIRED' })).rejects.toThrow(
      'Invalid transition: event CLAIM_ACQUIRED is not accepted in state booting',
    );
    await expect(rt.send({ type: 'LAUNCH' } as never)).rejects.toThrow(OperationalStateInputError);
    await expect(rt.send({ type: 'LAUNCH' } as never)).rejects.toThrow(/LAUNCH/);
    await expect(rt.send({ type: 'GATES_PASSED', addReasons: ['gremlins'] } as never)).rejects.toThrow(
      /addReasons\.0.*gremlins/,
    );
    await expect(rt.send({ type: 'GATES_PASSED', colour: 'red' } as never)).rejects.toThrow(/colour/);
    await expect(rt.send({ type: 'EMIT_FAILED' } as never)).rejects.toThrow(OperationalStateInputError);
    expect(rt.current.primaryState).toBe('booting');
  });

  it.each([
    ['a number', 42, /trigger must be a string \(got number 42\)/],
    ['empty', '', /trigger must not be empty/],
    ['over 4 KiB', 'x'.repeat(4097), /4097 UTF-8 bytes; the limit is 4096/],
    ['over 4 KiB in UTF-8 bytes', '§'.repeat(2049), /4098 UTF-8 bytes/],
    ['null', null, /got null/],
    ['a lone surrogate', 'half \ud800 a pair', /lone surrogate/],
    ['holding NUL', 'a\u0000b', /U\+0000/],
  ])('rejects a trigger that is %s, changing and appending nothing', async (_label, trigger, message) => {
    const { rt, store } = runtime();
    const err = await rt.transitionTo('ready', trigger as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationalStateInputError);
    expect((err as OperationalStateInputError).field).toBe('trigger');
    expect((err as Error).message).toMatch(message);
    await rt.flush();
    expect(rt.current.primaryState).toBe('booting');
    expect(await store.read(WS)).toStrictEqual([]);
  });

  it('accepts a trigger of exactly 4 KiB', async () => {
    const { rt } = runtime();
    await expect(rt.transitionTo('booting', 'y'.repeat(4096))).resolves.toMatchObject({
      primaryState: 'booting',
    });
  });

  it('names unknown states, reasons and permissions', async () => {
    const { rt } = runtime();
    await expect(rt.transitionTo('degraded' as never, 't')).rejects.toThrow(/Invalid to: .*"degraded"/);
    await expect(rt.transitionTo('ready', 't', { claimPermission: 'all' as never })).rejects.toThrow(
      /claimPermission.*"all"/,
    );
    await expect(rt.transitionTo('ready', 't', { removeReasons: ['Cost' as never] })).rejects.toThrow(
      /removeReasons\.0.*"Cost"/,
    );
    expect(rt.current.primaryState).toBe('booting');
  });

  it('refuses a missing workspace or store up front', () => {
    const store = createMemoryChainStore();
    expect(() => createOperationalState({ store, workspaceId: '' })).toThrow(/workspaceId/);
    expect(() => createOperationalState({ store } as never)).toThrow(OperationalStateInputError);
    expect(() => createOperationalState({ store: {} as never, workspaceId: 'w' })).toThrow(/store/);
    expect(() => createOperationalState({ store, workspaceId: 'w' }, { historySize: 0 })).toThrow(
      /historySize/,
    );
  });
});

describe('history', () => {
  it('keeps a bounded ring, oldest first, with ms timestamps and posture', async () => {
    const { rt } = runtime({ historySize: 3 });
    for (let i = 0; i < 5; i++)
      await rt.transitionTo('booting', `retry ${i}`, { addReasons: i === 4 ? ['auth'] : [] });
    const h = rt.history();
    expect(h.map((e) => e.trigger)).toStrictEqual(['retry 2', 'retry 3', 'retry 4']);
    expect(h[2]).toMatchObject({
      from: 'booting',
      to: 'booting',
      claimPermission: 'none',
      degradationReasons: ['auth'],
    });
    expect(h[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(rt.history(2).map((e) => e.trigger)).toStrictEqual(['retry 3', 'retry 4']);
    expect(rt.history(50)).toHaveLength(3);
    expect(rt.history(0)).toStrictEqual([]);
    expect(() => rt.history(-1)).toThrow(OperationalStateInputError);
  });
});

describe('listeners', () => {
  it('are called in insertion order with (from, to, trigger); a throwing one is logged and isolated', async () => {
    const { rt, logger } = runtime();
    const calls: string[] = [];
    rt.addListener((from, to, trigger) => {
      calls.push(`first ${from.primaryState}→${to.primaryState} ${trigger}`);
    });
    rt.addListener(() => {
      throw new Error('listener boom');
    });
    rt.addListener(async () => {
      throw new Error('async listener boom');
    });
    rt.addListener((_from, to) => {
      calls.push(`last ${to.claimPermission}`);
    });
    await rt.transitionTo('ready', 'all §9.2 gates pass', { claimPermission: 'normal' });
    await rt.flush();
    expect(calls).toStrictEqual(['first booting→ready all §9.2 gates pass', 'last normal']);
    const errors = logger.entries.filter((e) => e.level === 'error');
    expect(errors.map((e) => (e.fields.err as Error).message).sort()).toStrictEqual([
      'async listener boom',
      'listener boom',
    ]);
    expect(rt.current.primaryState).toBe('ready');
    expect(rt.actor.getSnapshot().status).toBe('active');
  });

  it('can be removed', async () => {
    const { rt } = runtime();
    const seen: string[] = [];
    const off = rt.addListener((_f, to) => {
      seen.push(to.primaryState);
    });
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    off();
    await rt.transitionTo('active', 'claim acquired');
    expect(seen).toStrictEqual(['ready']);
  });

  it('see snapshots with sorted reasons', async () => {
    const { rt } = runtime();
    const seen: OperationalStateSnapshot[] = [];
    rt.addListener((_f, to) => {
      seen.push(to);
    });
    await rt.transitionTo('booting', 't', { addReasons: ['token_expiring', 'auth', 'cost'] });
    expect(seen[0]?.degradationReasons).toStrictEqual(['auth', 'cost', 'token_expiring']);
  });
});

describe('stop', () => {
  it('flushes, then stops the actor; idempotent', async () => {
    const { rt, store } = runtime();
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.transitionTo('active', 'claim acquired');
    await Promise.all([rt.stop(), rt.stop()]);
    expect(rt.actor.getSnapshot().status).toBe('stopped');
    expect(await store.read(WS)).toHaveLength(3);
    await expect(rt.transitionTo('ready', 'claim released')).rejects.toBeInstanceOf(
      InvalidStateTransitionError,
    );
  });

  it('still appends the transition into the final state after the emit service has stopped', async () => {
    const { rt, store } = runtime();
    await rt.transitionTo('stopped', 'invariant gate failure: substrate contract version');
    expect(rt.actor.getSnapshot().status).toBe('done');
    await rt.flush();
    expect((await store.read(WS)).map((e) => e.eventType)).toStrictEqual([
      GENERIC_TRANSITION_EVENT,
      'kora.boot.failed',
    ]);
  });
});

describe('inspect', () => {
  it('passes inspection events to the observer, and isolates one that throws', async () => {
    const types = new Set<string>();
    const { rt } = runtime({ inspect: (e) => void types.add(e.type) });
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    expect(types).toContain('@xstate.snapshot');

    const { rt: rt2, logger } = runtime({
      inspect: () => {
        throw new Error('inspector down');
      },
    });
    await rt2.transitionTo('ready', 'all §9.2 gates pass');
    expect(rt2.current.primaryState).toBe('ready');
    expect(logger.entries.filter((e) => e.message?.includes('inspection observer threw'))).toHaveLength(1);
  });
});
