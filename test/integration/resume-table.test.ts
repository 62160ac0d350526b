import { afterAll, describe, expect, it } from 'vitest';
import {
  type ChainStore,
  createOperationalState,
  type OperationalStateRuntime,
  ResumeRefusedError,
  resumeOperationalState,
  silentLogger,
} from '../../src/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { engines, freshWorkspace } from '../support/engines.js';
import { capturingLogger } from '../support/stores.js';

/** A first life of the agent: drives it to `last`, flushes, and stops (the process goes away). */
async function firstLife(store: ChainStore, workspaceId: string, last: string): Promise<void> {
  const rt = createOperationalState({ store, workspaceId }, { logger: silentLogger });
  await rt.transitionTo('ready', 'all §9.2 gates pass');
  await rt.transitionTo('ready', 'posture', { addReasons: ['auth'], claimPermission: 'critical_only' });
  if (last === 'active') await rt.transitionTo('active', 'claim acquired');
  if (last === 'paused')
    await rt.transitionTo('paused', 'cost 100%', { addReasons: ['cost'], claimPermission: 'none' });
  if (last === 'stopped') await rt.transitionTo('stopped', 'STOP-KORA L4/L5');
  if (last === 'booting') {
    // A chain that ends in booting: a second process that only retried its gates.
    await rt.stop();
    const again = createOperationalState({ store, workspaceId }, { logger: silentLogger });
    await again.transitionTo('booting', 'transient gate failure', { addReasons: ['substrate'] });
    await again.stop();
    return;
  }
  await rt.stop();
}

const live: OperationalStateRuntime[] = [];
afterAll(async () => {
  await Promise.all(live.map((rt) => rt.stop({ flushTimeoutMs: 2000 }).catch(() => undefined)));
});

async function resume(store: ChainStore, workspaceId: string, options = {}) {
  const rt = await resumeOperationalState({ store, workspaceId }, { logger: silentLogger, ...options });
  live.push(rt);
  return rt;
}

for (const engine of engines) {
  describe.skipIf(!engine.available)(`[${engine.name}] resume table`, () => {
    let store: ChainStore;
    const open = async () => (store ??= await engine.open());
    afterAll(async () => store?.close());

    it('empty chain: booting, as createOperationalState, resumedFrom seq 0', async () => {
      const s = await open();
      const ws = freshWorkspace();
      const rt = await resume(s, ws);
      expect(rt.current).toMatchObject({
        primaryState: 'booting',
        claimPermission: 'none',
        degradationReasons: [],
      });
      expect(rt.resumedFrom).toStrictEqual({ seq: 0, state: null, epoch: 1, outboxLeftovers: 0 });
      expect(rt.fenced).toBe(false);
    });

    for (const last of ['booting', 'ready', 'active'] as const) {
      it(`chain ends in ${last}: booting, reasons kept, claim released`, async () => {
        const s = await open();
        const ws = freshWorkspace();
        await firstLife(s, ws, last);
        const rt = await resume(s, ws);
        const expectedReasons = last === 'booting' ? ['substrate'] : ['auth'];
        expect(rt.current).toMatchObject({
          primaryState: 'booting',
          claimPermission: 'none',
          degradationReasons: expectedReasons,
        });
        expect(rt.resumedFrom?.state).toBe(last);
        // The next transition continues the chain.
        await rt.transitionTo('ready', 'all §9.2 gates pass');
        await rt.flush();
        expect(await s.verify(ws)).toMatchObject({ ok: true });
        const events = await s.read(ws);
        expect(events.at(-2)?.payload).toMatchObject({
          from_primary_state: 'booting',
          to_primary_state: 'ready',
        });
      });
    }

    it('chain ends in paused: paused with its claim permission and reasons; the transition count continues', async () => {
      const s = await open();
      const ws = freshWorkspace();
      await firstLife(s, ws, 'paused');
      const before = await s.read(ws);
      const rt = await resume(s, ws);
      expect(rt.current).toMatchObject({
        primaryState: 'paused',
        claimPermission: 'none',
        degradationReasons: ['auth', 'cost'],
      });
      expect(rt.resumedFrom).toMatchObject({ seq: before.length, state: 'paused', epoch: 1 });
      expect(rt.actor.getSnapshot().context.transitionCount).toBe(before.length);
      await rt.transitionTo('ready', 'operator clears via kora_control reset', { removeReasons: ['cost'] });
      await rt.flush();
      const after = await s.read(ws, { afterSeq: before.length });
      expect(after[0]).toMatchObject({ seq: before.length + 1, eventType: GENERIC_TRANSITION_EVENT });
      expect(after[0]?.payload).toMatchObject({ from_primary_state: 'paused', to_primary_state: 'ready' });
      expect(rt.actor.getSnapshot().context.lastTransition?.n).toBe(before.length + 1);
    });

    it('chain ends in stopped: booting (a new life), or refused by policy', async () => {
      const s = await open();
      const ws = freshWorkspace();
      await firstLife(s, ws, 'stopped');
      await expect(resume(s, ws, { resume: { policy: { afterStopped: 'refuse' } } })).rejects.toBeInstanceOf(
        ResumeRefusedError,
      );
      const rt = await resume(s, ws);
      expect(rt.current).toMatchObject({
        primaryState: 'booting',
        claimPermission: 'none',
        degradationReasons: [],
      });
      expect(rt.resumedFrom?.state).toBe('stopped');
    });

    it('policy keepReasons: false starts a running chain without its reasons', async () => {
      const s = await open();
      const ws = freshWorkspace();
      await firstLife(s, ws, 'ready');
      const rt = await resume(s, ws, { resume: { policy: { keepReasons: false } } });
      expect(rt.current).toMatchObject({ primaryState: 'booting', degradationReasons: [] });
    });

    it('a second resume fences the first: its next append is refused, the chain holds only the new owner after the claim', async () => {
      const s = await open();
      const ws = freshWorkspace();
      const logger = capturingLogger();
      const a = await resume(s, ws, { logger });
      await a.transitionTo('ready', 'all §9.2 gates pass');
      await a.flush();
      const b = await resume(s, ws);
      expect(b.resumedFrom?.epoch).toBe(2);
      // Two transitions queued before the first append is refused: both are refused, logged once.
      const first = a.transitionTo('active', 'claim acquired by the zombie');
      const second = a.transitionTo('ready', 'claim released by the zombie');
      await Promise.all([first, second]);
      await a.flush();
      expect(a.fenced).toBe(true);
      expect(a.rejectedEmits).toHaveLength(2);
      const errors = logger.entries.filter((e) => e.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]?.message).toMatch(
        /fenced: workspace .* is owned by epoch 2; this runtime's epoch 1 was superseded/,
      );
      await expect(a.transitionTo('ready', 'claim released')).rejects.toMatchObject({
        kind: 'fenced',
        name: 'WorkspaceFencedError',
      });
      await b.transitionTo('ready', 'all §9.2 gates pass (b)');
      await b.flush();
      const triggers = (await s.read(ws))
        .filter((e) => e.eventType === GENERIC_TRANSITION_EVENT)
        .map((e) => e.payload.trigger);
      expect(triggers).toStrictEqual(['all §9.2 gates pass', 'all §9.2 gates pass (b)']);
      expect(await s.verify(ws)).toMatchObject({ ok: true });
    });

    it('a runtime restored from its persisted snapshot agrees with one resumed from the chain', async () => {
      const s = await open();
      const ws = freshWorkspace();
      const first = createOperationalState({ store: s, workspaceId: ws }, { logger: silentLogger });
      await first.transitionTo('ready', 'all §9.2 gates pass', { claimPermission: 'normal' });
      await first.transitionTo('paused', 'operator', {
        addReasons: ['operator', 'auth'],
        claimPermission: 'critical_only',
      });
      const persisted = JSON.parse(JSON.stringify(first.getPersistedSnapshot())) as ReturnType<
        OperationalStateRuntime['getPersistedSnapshot']
      >;
      await first.stop();
      const fromSnapshot = createOperationalState(
        { store: s, workspaceId: ws },
        { logger: silentLogger, snapshot: persisted },
      );
      live.push(fromSnapshot);
      const fromChain = await resume(s, ws);
      expect(fromSnapshot.current).toStrictEqual(fromChain.current);
      expect(fromSnapshot.current).toMatchObject({
        primaryState: 'paused',
        claimPermission: 'critical_only',
        degradationReasons: ['auth', 'operator'],
      });
      expect(fromSnapshot.history().map((h) => h.to)).toStrictEqual(['ready', 'paused']);
      expect(() =>
        createOperationalState({ store: s, workspaceId: ws }, { snapshot: { value: 'nowhere' } as never }),
      ).toThrow(/options\.snapshot/);
    });
  });
}
