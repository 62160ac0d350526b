import { assign, fromCallback, sendTo, setup } from 'xstate';
import {
  BOOT_FAILED_EVENT,
  BOOT_READY_EVENT,
  PAUSED_COST_LIMIT_EVENT,
  type PrimaryState,
  type TriggerLiteral,
} from '../domain/vocabulary.js';
import { type CommitParams, commitTransition } from './actions.js';
import { initialContext, type OperationalStateContext, type OperationalStateInput } from './context.js';
import type { EmitRequest } from './emit-protocol.js';
import type { EmitFailedEvent, MachineEvent } from './events.js';
import { triggerContains } from './guards.js';
import { LITERAL_TRIGGER_TEXT as LIT, TRIGGER } from './wording.js';

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

/*
 * Until a real emit service is provided, every request fails loudly (counted in context as an emit
 * failure) instead of vanishing: createOperationalState provides one bound to a ChainStore.
 */
const missingEmitService = fromCallback<EmitRequest>(({ receive, sendBack }) => {
  receive((request) => {
    sendBack({
      type: 'EMIT_FAILED',
      eventType: 'kora.operational_state.transitioned',
      message: `no emit service provided; transition #${request.transition.n} was not appended`,
    } satisfies EmitFailedEvent);
  });
});

/**
 * The operational state of one agent process (R4.1 §9.1). Every transition commits the new posture and
 * sends one emit request to the root-invoked emit service; where a per-trigger literal applies, a guarded
 * alternative (tried first) commits it, so the (from, to, trigger) → literal mapping lives here only.
 *
 * Only `stopped` is final: recovery from it is a new process, which starts again at `booting`.
 */
export const operationalStateMachine = setup({
  types: {
    context: {} as OperationalStateContext,
    events: {} as MachineEvent,
    // `| void` keeps input optional for createActor (inference drops a plain `| undefined`).
    // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- see above
    input: {} as OperationalStateInput | void,
  },
  actors: {
    emitService: missingEmitService,
  },
  guards: {
    triggerContains,
  },
  actions: {
    commitTransition: assign(({ context, event }, params: CommitParams) =>
      commitTransition(context, event, params),
    ),
    // Reads the context *after* commitTransition: actions resolve in order within a transition.
    requestEmit: sendTo('emitter', ({ context }): EmitRequest => {
      if (context.lastTransition === null)
        throw new Error('unreachable: requestEmit before commitTransition');
      return { type: 'EMIT', transition: context.lastTransition };
    }),
    recordEmitFailure: assign(({ context, event }) =>
      event.type === 'EMIT_FAILED'
        ? {
            emitFailures: context.emitFailures + 1,
            lastEmitFailure: { eventType: event.eventType, message: event.message },
          }
        : {},
    ),
  },
}).createMachine({
  id: 'operationalState',
  context: ({ input }) => initialContext(input ?? undefined),
  invoke: {
    src: 'emitService',
    id: 'emitter',
    // The service never throws; if a provided one does, count it rather than let the actor error.
    onError: { actions: 'recordEmitFailure' },
  },
  on: {
    EMIT_FAILED: { actions: 'recordEmitFailure' },
  },
  initial: 'booting',
  states: {
    booting: {
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
      type: 'final',
    },
  },
});

export type OperationalStateMachine = typeof operationalStateMachine;
