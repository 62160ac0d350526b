import { chartSchemas } from '../domain/chart-schemas-on-demand.js';
import type { OperationalStateSnapshot } from '../domain/snapshot.js';
import { onDemand } from '../util/zod-on-demand.js';
import { InvalidStateTransitionError } from '../errors.js';
import { inputErrorFrom } from '../machine/parse.js';
import { selectExtraLiteral } from '../machine/pure.js';
import { eventForPair } from '../machine/table.js';
import type { AppendedEvent } from '../store/chain/types.js';
import { appendTransitionEvents, DEFAULT_APPEND_TIMEOUT_MS, transitionEvents } from './append-transition.js';
import { type ChainProvider, resolveEmitTarget } from './provider.js';

export interface EmitOptions {
  /** Bound on the append (default 10 s). */
  readonly timeoutMs?: number;
}

const argsSchema = onDemand((z) => {
  const { OperationalStateSnapshotSchema, TriggerSchema } = chartSchemas();
  return z.tuple([OperationalStateSnapshotSchema, OperationalStateSnapshotSchema, TriggerSchema]);
});

/**
 * Appends the chain events of one transition, outside any actor (the original's listener function).
 * Fail-loud: the four preflight checks, then one atomic append of the generic event and, when the chart's
 * guards pick one, its literal. Throws OperationalStateEmitError on any failure, InvalidStateTransitionError
 * for a pair the chart does not have, OperationalStateInputError for malformed arguments.
 */
export async function emitStateTransition(
  provider: ChainProvider | null | undefined,
  from: OperationalStateSnapshot,
  to: OperationalStateSnapshot,
  trigger: string,
  options: EmitOptions = {},
): Promise<AppendedEvent[]> {
  const target = await resolveEmitTarget(provider);
  const args = argsSchema().safeParse([from, to, trigger]);
  if (!args.success) throw inputErrorFrom(args.error, [from, to, trigger], 'arguments');
  if (eventForPair(from.primaryState, to.primaryState) === null) {
    throw new InvalidStateTransitionError({ from: from.primaryState, to: to.primaryState, trigger });
  }
  const literal = selectExtraLiteral(from, to, trigger);
  return appendTransitionEvents(
    target,
    transitionEvents({ from, to, trigger, literal }),
    options.timeoutMs ?? DEFAULT_APPEND_TIMEOUT_MS,
  );
}

/** A transition listener, `(from, to, trigger) => Promise<void>`. */
export type TransitionListener = (
  from: OperationalStateSnapshot,
  to: OperationalStateSnapshot,
  trigger: string,
) => void | Promise<void>;

/** Wraps emitStateTransition as a listener; its failures reach whoever runs listeners (the runtime logs them). */
export function makeEmitListener(
  provider: ChainProvider | null | undefined,
  options: EmitOptions = {},
): TransitionListener {
  return async (from, to, trigger) => {
    await emitStateTransition(provider, from, to, trigger, options);
  };
}
