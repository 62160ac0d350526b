import {
  BOOT_FAILED_EVENT,
  BOOT_READY_EVENT,
  PAUSED_COST_LIMIT_EVENT,
  type PrimaryState,
  type TriggerLiteral,
} from '../domain/vocabulary.js';
import type { CommitParams } from './actions.js';
import { initialContext } from './context.js';
import { EMIT_SERVICE, EMITTER_ID } from './emit-protocol.js';
import { LITERAL_TRIGGER_TEXT as LIT, TRIGGER } from './wording.js';

/**
 * The states' tags (`snapshot.hasTag('claimable')`): `live` (ready, active), `claimable` (ready: may claim
 * work), `holds_claim` (active), `starting` (booting), `halted` (paused, stopped), `recoverable` (paused:
 * leaves by refresh or reset), `terminal` (stopped: final).
 */
export type OperationalStateTag =
  'starting' | 'live' | 'claimable' | 'holds_claim' | 'halted' | 'recoverable' | 'terminal';

/** A §9.1 table row's human columns, kept as transition `meta`; TRANSITION_TABLE is read from them. */
export interface TransitionRowMeta {
  readonly row: number;
  readonly trigger: string;
  readonly guard: string | null;
  readonly recoveryOwner: string | null;
}

const row = (
  n: number,
  trigger: string,
  more: { guard?: string; recoveryOwner?: string } = {},
): TransitionRowMeta => ({
  row: n,
  trigger,
  guard: more.guard ?? null,
  recoveryOwner: more.recoveryOwner ?? null,
});
const triggerHas = (text: string) => ({ type: 'triggerContains', params: { text } }) as const;
const commit = (from: PrimaryState, to: PrimaryState, literal: TriggerLiteral | null = null) =>
  ({ type: 'commitTransition', params: { from, to, literal } satisfies CommitParams }) as const;

/**
 * The operational state of one agent process (R4.1 §9.1) as plain data: guards and actions by name with
 * params, no functions, so `JSON.stringify` keeps all of it and `createMachine(operationalStateConfig)
 * .provide(operationalStateImplementations)` rebuilds the chart (Stately Studio can import it too).
 *
 * Every transition commits the new posture and asks the root-invoked emit service to append it; where a
 * per-trigger literal applies, a guarded alternative (tried first) commits it, so the (from, to, trigger)
 * → literal mapping lives here only. Only `stopped` is final: recovery from it is a new process.
 *
 * `context` here is the default (history of 20); `operationalStateMachine` takes it from `input`.
 */
export const operationalStateConfig = {
  id: 'operationalState',
  context: initialContext(undefined),
  invoke: {
    src: EMIT_SERVICE,
    id: EMITTER_ID,
    // A provided service that throws or completes takes no more requests: say so, and count from there.
    onError: { actions: 'recordEmitServiceDown' },
    onDone: { actions: 'recordEmitServiceDown' },
  },
  on: {
    // Only the emit service's own failure reports pass the guard; a forged one changes nothing.
    '*': { guard: 'isEmitFailureReport', actions: 'recordEmitFailure' },
  },
  initial: 'booting',
  states: {
    booting: {
      description: 'Running the §9.2 boot gates: no work is claimed until every gate passes.',
      tags: ['starting'],
      on: {
        GATES_PASSED: [
          {
            guard: triggerHas(LIT.bootReady),
            target: 'ready',
            actions: [commit('booting', 'ready', BOOT_READY_EVENT), 'requestEmit'],
            meta: row(1, TRIGGER.gatesPassed),
          },
          {
            target: 'ready',
            actions: [commit('booting', 'ready'), 'requestEmit'],
            meta: row(1, TRIGGER.gatesPassed),
          },
        ],
        GATE_RETRY: {
          actions: [commit('booting', 'booting'), 'requestEmit'],
          meta: row(2, TRIGGER.gateRetry, {
            guard: 'retry budget not exhausted',
            recoveryOwner: 'self (backoff)',
          }),
        },
        BOOT_FAILED: [
          {
            guard: triggerHas(LIT.bootFailed),
            target: 'stopped',
            actions: [commit('booting', 'stopped', BOOT_FAILED_EVENT), 'requestEmit'],
            meta: row(3, TRIGGER.bootFailed, { recoveryOwner: 'operator' }),
          },
          {
            target: 'stopped',
            actions: [commit('booting', 'stopped'), 'requestEmit'],
            meta: row(3, TRIGGER.bootFailed, { recoveryOwner: 'operator' }),
          },
        ],
        EPOCH_MISMATCH: [
          {
            guard: triggerHas(LIT.costLimit),
            target: 'paused',
            actions: [commit('booting', 'paused', PAUSED_COST_LIMIT_EVENT), 'requestEmit'],
            meta: row(4, TRIGGER.epochMismatch, { recoveryOwner: 'operator' }),
          },
          {
            target: 'paused',
            actions: [commit('booting', 'paused'), 'requestEmit'],
            meta: row(4, TRIGGER.epochMismatch, { recoveryOwner: 'operator' }),
          },
        ],
        PAUSE: [
          {
            guard: triggerHas(LIT.costLimit),
            target: 'paused',
            actions: [commit('booting', 'paused', PAUSED_COST_LIMIT_EVENT), 'requestEmit'],
            meta: row(9, TRIGGER.pause, { recoveryOwner: 'per reason' }),
          },
          {
            target: 'paused',
            actions: [commit('booting', 'paused'), 'requestEmit'],
            meta: row(9, TRIGGER.pause, { recoveryOwner: 'per reason' }),
          },
        ],
        STOP: [
          {
            guard: triggerHas(LIT.bootFailed),
            target: 'stopped',
            actions: [commit('booting', 'stopped', BOOT_FAILED_EVENT), 'requestEmit'],
            meta: row(15, TRIGGER.stop, { recoveryOwner: 'operator (new boot)' }),
          },
          {
            target: 'stopped',
            actions: [commit('booting', 'stopped'), 'requestEmit'],
            meta: row(15, TRIGGER.stop, { recoveryOwner: 'operator (new boot)' }),
          },
        ],
        UPDATE_POSTURE: { actions: [commit('booting', 'booting'), 'requestEmit'] },
      },
    },
    ready: {
      description: 'Up and idle: may claim work, as far as its claim permission allows.',
      tags: ['live', 'claimable'],
      on: {
        CLAIM_ACQUIRED: {
          target: 'active',
          actions: [commit('ready', 'active'), 'requestEmit'],
          meta: row(5, TRIGGER.claimAcquired, { recoveryOwner: 'self' }),
        },
        PAUSE: [
          {
            guard: triggerHas(LIT.costLimit),
            target: 'paused',
            actions: [commit('ready', 'paused', PAUSED_COST_LIMIT_EVENT), 'requestEmit'],
            meta: row(7, TRIGGER.pause, { recoveryOwner: 'per reason' }),
          },
          {
            target: 'paused',
            actions: [commit('ready', 'paused'), 'requestEmit'],
            meta: row(7, TRIGGER.pause, { recoveryOwner: 'per reason' }),
          },
        ],
        STOP: {
          target: 'stopped',
          actions: [commit('ready', 'stopped'), 'requestEmit'],
          meta: row(12, TRIGGER.stop, { recoveryOwner: 'operator (new boot)' }),
        },
        UPDATE_POSTURE: { actions: [commit('ready', 'ready'), 'requestEmit'] },
      },
    },
    active: {
      description: 'Working on a claimed unit of work.',
      tags: ['live', 'holds_claim'],
      on: {
        CLAIM_RELEASED: {
          target: 'ready',
          actions: [commit('active', 'ready'), 'requestEmit'],
          meta: row(6, TRIGGER.claimReleased, { recoveryOwner: 'self' }),
        },
        PAUSE: [
          {
            guard: triggerHas(LIT.costLimit),
            target: 'paused',
            actions: [commit('active', 'paused', PAUSED_COST_LIMIT_EVENT), 'requestEmit'],
            meta: row(8, TRIGGER.pause, { recoveryOwner: 'per reason' }),
          },
          {
            target: 'paused',
            actions: [commit('active', 'paused'), 'requestEmit'],
            meta: row(8, TRIGGER.pause, { recoveryOwner: 'per reason' }),
          },
        ],
        STOP: {
          target: 'stopped',
          actions: [commit('active', 'stopped'), 'requestEmit'],
          meta: row(13, TRIGGER.stop, { recoveryOwner: 'operator (new boot)' }),
        },
        UPDATE_POSTURE: { actions: [commit('active', 'active'), 'requestEmit'] },
      },
    },
    paused: {
      description:
        'Held by cost, STOP-KORA L1–3, an operator or an epoch mismatch: claims nothing until refreshed or reset.',
      tags: ['halted', 'recoverable'],
      on: {
        CREDIT_REFRESHED: {
          target: 'ready',
          actions: [commit('paused', 'ready'), 'requestEmit'],
          meta: row(10, TRIGGER.creditRefreshed, {
            guard: 'reconciled spend < threshold; claim already safe-released (§9.6)',
            recoveryOwner: 'self (ramped, §9.6)',
          }),
        },
        OPERATOR_RESET: {
          target: 'ready',
          actions: [commit('paused', 'ready'), 'requestEmit'],
          meta: row(11, TRIGGER.operatorReset, { recoveryOwner: 'operator' }),
        },
        STOP: {
          target: 'stopped',
          actions: [commit('paused', 'stopped'), 'requestEmit'],
          meta: row(14, TRIGGER.stop, { recoveryOwner: 'operator (new boot)' }),
        },
        // paused → paused is not a table row, but it is a transition into paused: the cost rule applies.
        PAUSE: [
          {
            guard: triggerHas(LIT.costLimit),
            actions: [commit('paused', 'paused', PAUSED_COST_LIMIT_EVENT), 'requestEmit'],
          },
          { actions: [commit('paused', 'paused'), 'requestEmit'] },
        ],
        UPDATE_POSTURE: [
          {
            guard: triggerHas(LIT.costLimit),
            actions: [commit('paused', 'paused', PAUSED_COST_LIMIT_EVENT), 'requestEmit'],
          },
          { actions: [commit('paused', 'paused'), 'requestEmit'] },
        ],
      },
    },
    stopped: {
      description: 'Final: booting failed or STOP-KORA L4/L5 stopped the process; recovery is a new process.',
      tags: ['halted', 'terminal'],
      type: 'final',
    },
  },
} as const;

export type OperationalStateConfig = typeof operationalStateConfig;
