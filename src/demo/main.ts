/*
 * `npm start`: a scripted agent life on the in-memory chain store, printed one line per transition.
 * The embedded-store demo with options is the `opstate demo` command (a later issue); this one needs
 * nothing but Node.
 */

import type { OperationalStateEvent } from '../machine/events.js';
import { createOperationalState } from '../runtime/create-operational-state.js';
import { createMemoryChainStore } from '../store/memory-store.js';

const WORKSPACE = 'demo';

const life: OperationalStateEvent[] = [
  {
    type: 'GATE_RETRY',
    trigger: 'transient boot gate retrying (gate=1_claude_auth, attempt=1/5)',
    addReasons: ['auth'],
  },
  {
    type: 'GATE_RETRY',
    trigger: 'boot gates eventually passed; clearing transient reasons',
    removeReasons: ['auth'],
  },
  { type: 'GATES_PASSED', claimPermission: 'normal' },
  { type: 'CLAIM_ACQUIRED' },
  { type: 'CLAIM_RELEASED' },
  { type: 'CLAIM_ACQUIRED' },
  { type: 'PAUSE', cause: 'cost_limit', addReasons: ['cost'] },
  { type: 'CREDIT_REFRESHED', removeReasons: ['cost'] },
  { type: 'PAUSE', cause: 'operator', addReasons: ['operator'] },
  { type: 'OPERATOR_RESET', removeReasons: ['operator'] },
  {
    type: 'UPDATE_POSTURE',
    trigger: 'dispatch check failing',
    claimPermission: 'critical_only',
    addReasons: ['dispatch'],
  },
  { type: 'STOP' },
];

async function main(): Promise<void> {
  const store = createMemoryChainStore();
  const runtime = createOperationalState({ store, workspaceId: WORKSPACE });
  runtime.onEmit((outcome) => {
    const t = outcome.transition;
    const what = outcome.ok
      ? outcome.events.map((e) => `#${e.seq} ${e.eventType}`).join(', ')
      : `FAILED: ${outcome.error.message}`;
    console.log(`${t.from.padEnd(8)} → ${t.to.padEnd(8)} ${JSON.stringify(t.trigger)}\n    ${what}`);
  });
  for (const event of life) await runtime.send(event);
  await runtime.stop();

  const result = await store.verify(WORKSPACE);
  const events = await store.read(WORKSPACE);
  console.log(
    `\n${life.length} transitions, ${events.length} chain events in workspace "${WORKSPACE}"; final state ` +
      `${runtime.current.primaryState}; verify: ${result.ok ? `ok, head ${result.headHash.slice(0, 16)}…` : JSON.stringify(result)}`,
  );
  if (!result.ok) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
