import { createActor, fromCallback } from 'xstate';
import { createOperationalState } from '../../src/runtime/create-operational-state.js';
import { operationalStateMachine } from '../../src/machine/machine.js';
import { silentLogger } from '../../src/logger.js';
import type { ChainStore } from '../../src/store/chain/types.js';
import { type BenchSettings, type CaseResult, medians, ratioCase } from '../harness.js';

export const BATCH = 200;

/** A store that accepts everything and does nothing: isolates the machine + emit-pipeline cost. */
export const noopStore: ChainStore = {
  append: async () => [],
  read: async () => [],
  verify: async () => ({ ok: true, length: 0, headHash: '' }),
  close: async () => {},
};

/**
 * What a user would write instead of opstate: a class with a lock, a table check and listeners, like
 * the original Python holder.
 */
class HandWrittenHolder {
  static readonly arrows = new Set([
    'booting>ready',
    'booting>booting',
    'booting>stopped',
    'booting>paused',
    'ready>active',
    'active>ready',
    'ready>paused',
    'active>paused',
    'paused>ready',
    'ready>stopped',
    'active>stopped',
    'paused>stopped',
  ]);
  state = 'ready';
  claim = 'normal';
  reasons = new Set<string>();
  readonly #listeners: ((from: string, to: string, trigger: string) => void)[] = [];
  #lock: Promise<void> = Promise.resolve();

  addListener(fn: (from: string, to: string, trigger: string) => void) {
    this.#listeners.push(fn);
  }

  transitionTo(to: string, trigger: string): Promise<void> {
    const run = async () => {
      if (to !== this.state && !HandWrittenHolder.arrows.has(`${this.state}>${to}`))
        throw new Error('invalid');
      const from = this.state;
      this.state = to;
      for (const l of this.#listeners) l(from, to, trigger);
    };
    const next = this.#lock.then(run);
    this.#lock = next.catch(() => {});
    return next;
  }
}

/** The event every transition-cost subject sends: a same-state posture update. */
export const POSTURE_UPDATE = { type: 'UPDATE_POSTURE', trigger: 'posture update' } as const;

/** The baseline the ≤ 2× target is stated against: the same chart, started in ready, no emit service. */
export function bareReadyActor() {
  const bare = createActor(
    operationalStateMachine.provide({
      actions: { requestEmit: () => {} },
      actors: { emitService: fromCallback(() => {}) },
    }),
  ).start();
  bare.send({ type: 'GATES_PASSED' });
  return bare;
}

export async function transitionCost(s: BenchSettings): Promise<CaseResult[]> {
  const event = POSTURE_UPDATE;

  const runtime = createOperationalState(
    { store: noopStore, workspaceId: 'bench' },
    { logger: silentLogger },
  );
  await runtime.send({ type: 'GATES_PASSED' });

  const bare = bareReadyActor();

  const holder = new HandWrittenHolder();
  let seen = 0;
  holder.addListener(() => {
    seen += 1;
  });

  const ms = await medians(s, {
    opstate: async () => {
      for (let i = 0; i < BATCH; i++) await runtime.send(event);
      await runtime.flush();
    },
    bareActor: () => {
      for (let i = 0; i < BATCH; i++) bare.send(event);
    },
    handWritten: async () => {
      for (let i = 0; i < BATCH; i++) await holder.transitionTo('ready', 'posture update');
    },
  });
  await runtime.stop();
  if (seen === 0) throw new Error('hand-written holder did not run');

  const ns = (name: string) => ((ms[name] ?? Number.NaN) * 1e6) / BATCH;
  return [
    ratioCase({
      name: 'transition cost: runtime.send + emit (no-op store) vs bare XState actor',
      value: ns('opstate'),
      unit: 'ns/transition',
      baseline: 'bare XState actor, same chart, no emit',
      baselineValue: ns('bareActor'),
      target: '≤ 2× bare actor',
      better: 'lower',
      targetRatio: 2,
    }),
    ratioCase({
      name: 'transition cost: runtime.send + emit (no-op store) vs hand-written holder',
      value: ns('opstate'),
      unit: 'ns/transition',
      baseline: 'hand-written holder (lock, table check, listeners)',
      baselineValue: ns('handWritten'),
      target: null,
      better: 'lower',
      targetRatio: null,
    }),
  ];
}
