import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { DegradationReason, PrimaryState } from '../../domain/vocabulary.js';
import type { OperationalStateEvent } from '../../machine/events.js';

/** The §9.2 boot gates that retry, with the degradation reason the coordinator stages for each. */
const TRANSIENT_GATES: readonly { id: string; reason: DegradationReason }[] = [
  { id: '1_claude_auth', reason: 'auth' },
  { id: '4_kora_runtime_role_perms', reason: 'dispatch' },
  { id: '5_kronicle_mcp_reachable', reason: 'substrate' },
  { id: '6_wsk_token_valid', reason: 'token_expiring' },
  { id: '8_charter_capability_matrix_load', reason: 'substrate' },
];

/** The longest boot (every gate failing twice, then clearing and passing) plus the final stop. */
export const MIN_TRANSITIONS = 16;

/** Monthly pool, as in the original cost ladder (§9.6). */
const POOL_USD = 200;

/**
 * A simulated agent's life as a sequence of typed events, fully determined by `seed` and `transitions`:
 * boot gates with transient failures and retries, claims, a cost ladder that reaches 100% (release, then
 * pause with the cost-limit literal), a monthly credit refresh, operator pauses and resets,
 * degradations, and a final stop. Same seed, same life.
 */
export function simulateLife(seed: number, transitions: number): OperationalStateEvent[] {
  if (!Number.isInteger(transitions) || transitions < MIN_TRANSITIONS) {
    throw new RangeError(`a demo life needs at least ${MIN_TRANSITIONS} transitions, got ${transitions}`);
  }
  const rng = xoroshiro128plus(seed);
  const roll = (min: number, max: number) => uniformInt(rng, min, max);
  const events: OperationalStateEvent[] = [];
  let state = 'booting' as PrimaryState;
  const reasons = new Set<DegradationReason>();
  const push = (event: OperationalStateEvent, to: PrimaryState) => {
    events.push(event);
    state = to;
    for (const r of event.addReasons ?? []) reasons.add(r);
    for (const r of event.removeReasons ?? []) reasons.delete(r);
  };

  boot(roll, push);
  let spend = roll(40, 120);
  let claims = 0;
  // Exactly `transitions` events: keep a slot for the final STOP, and one more while a claim is held.
  while (events.length + (state === 'active' ? 2 : 1) < transitions) {
    const dice = roll(1, 100);
    const room = transitions - events.length;
    if (state === 'ready') {
      if (room <= 2) {
        degrade(roll, reasons, push, state); // no room to acquire a claim and release it again
      } else if (spend >= POOL_USD) {
        push(
          {
            type: 'PAUSE',
            cause: 'cost_limit',
            addReasons: ['cost'],
            trigger: `STOP-KORA L1–3: cost 100% ($${spend}/$${POOL_USD})`,
          },
          'paused',
        );
      } else if (dice <= 8) {
        push(
          {
            type: 'PAUSE',
            cause: 'operator',
            addReasons: ['operator'],
            trigger: 'operator pause via kora__request_pause',
          },
          'paused',
        );
      } else if (dice <= 18) {
        degrade(roll, reasons, push, state);
      } else {
        claims += 1;
        push({ type: 'CLAIM_ACQUIRED', trigger: `claim acquired (ticket SEA-${1000 + claims})` }, 'active');
      }
    } else if (state === 'active') {
      spend += roll(5, 25);
      if (spend >= POOL_USD) {
        // Never a held claim across a cost pause: release first, then pause.
        push({ type: 'CLAIM_RELEASED', trigger: 'claim released (resolution deferred_cost_limit)' }, 'ready');
      } else if (dice <= 10) {
        degrade(roll, reasons, push, state);
      } else {
        push(
          { type: 'CLAIM_RELEASED', trigger: `claim released (ticket SEA-${1000 + claims} done)` },
          'ready',
        );
      }
    } else if (state === 'paused') {
      if (reasons.has('cost')) {
        spend = roll(0, 30);
        push({ type: 'CREDIT_REFRESHED', removeReasons: ['cost'], claimPermission: 'normal' }, 'ready');
      } else {
        push({ type: 'OPERATOR_RESET', removeReasons: ['operator'] }, 'ready');
      }
    }
  }
  if (state === 'active')
    push({ type: 'CLAIM_RELEASED', trigger: 'claim released before shutdown' }, 'ready');
  push({ type: 'STOP', trigger: 'STOP-KORA L4/L5 (flyctl machine stop)' }, 'stopped');
  return events;
}

function boot(
  roll: (min: number, max: number) => number,
  push: (event: OperationalStateEvent, to: PrimaryState) => void,
): void {
  const staged = new Set<DegradationReason>();
  for (const gate of TRANSIENT_GATES) {
    const failures = roll(0, 3) === 3 ? roll(1, 2) : 0;
    for (let attempt = 1; attempt <= failures; attempt++) {
      const add = staged.has(gate.reason) ? [] : [gate.reason];
      staged.add(gate.reason);
      push(
        {
          type: 'GATE_RETRY',
          trigger: `transient boot gate retrying (gate=${gate.id}, attempt=${attempt}/5)`,
          addReasons: add,
        },
        'booting',
      );
    }
  }
  if (staged.size > 0) {
    push(
      {
        type: 'GATE_RETRY',
        trigger: 'boot gates eventually passed; clearing transient reasons',
        removeReasons: [...staged],
      },
      'booting',
    );
  }
  push({ type: 'GATES_PASSED', claimPermission: 'normal' }, 'ready');
}

function degrade(
  roll: (min: number, max: number) => number,
  reasons: ReadonlySet<DegradationReason>,
  push: (event: OperationalStateEvent, to: PrimaryState) => void,
  state: PrimaryState,
): void {
  const reason: DegradationReason = roll(0, 1) === 0 ? 'dispatch' : 'substrate';
  if (reasons.has(reason)) {
    push(
      {
        type: 'UPDATE_POSTURE',
        trigger: `${reason} check recovered`,
        removeReasons: [reason],
        claimPermission: 'normal',
      },
      state,
    );
  } else {
    push(
      {
        type: 'UPDATE_POSTURE',
        trigger: `${reason} check failing`,
        addReasons: [reason],
        claimPermission: 'critical_only',
      },
      state,
    );
  }
}
