import { uuidV4 } from '../util/uuid-text.js';
import { buildPayload, type TransitionPayload, transitionPayload } from '../domain/payload.js';
import { type OperationalStateSnapshot, sortReasons } from '../domain/snapshot.js';
import { GENERIC_TRANSITION_EVENT, type TriggerLiteral } from '../domain/vocabulary.js';
import { ChainStoreError, OperationalStateEmitError } from '../errors.js';
import type { CommittedTransition } from '../machine/context.js';
import type { AppendedEvent, ChainEventInput } from '../store/chain/types.js';
import { withTimeout } from '../util/with-timeout.js';
import { describeError } from '../error-wording.js';
import { newIdempotencyKey } from './event-keys.js';
import type { EmitTarget } from './provider.js';

/** How long one append may take before it counts as failed (the store may be hung, not just down). */
export const DEFAULT_APPEND_TIMEOUT_MS = 10_000;

export interface TransitionToAppend {
  readonly from: OperationalStateSnapshot;
  readonly to: OperationalStateSnapshot;
  readonly trigger: string;
  readonly literal: TriggerLiteral | null;
}

/**
 * The chain events of one transition: the generic event, then its literal if any, with the identical
 * payload, one correlation id and an idempotency key each, minted here once so a retry can reuse them.
 */
export function transitionEvents(t: TransitionToAppend): ChainEventInput[] {
  return eventsFor(buildPayload(t.from, t.to, t.trigger), t.literal);
}

/**
 * The same for a transition the machine committed, with the payload built straight from its record
 * (the emit pipeline's hot path: no snapshot objects in between). Byte for byte what `buildPayload`
 * gives for the snapshots of that transition.
 */
export function committedTransitionEvents(t: CommittedTransition): ChainEventInput[] {
  const payload = transitionPayload(
    t.from,
    t.to,
    t.claimPermission,
    sortReasons(t.degradationReasons),
    t.trigger,
  );
  return eventsFor(payload, t.literal);
}

function eventsFor(payload: TransitionPayload, literal: TriggerLiteral | null): ChainEventInput[] {
  const correlationId = uuidV4();
  const generic = {
    eventType: GENERIC_TRANSITION_EVENT,
    payload,
    correlationId,
    idempotencyKey: newIdempotencyKey(),
  };
  if (literal === null) return [generic];
  return [generic, { eventType: literal, payload, correlationId, idempotencyKey: newIdempotencyKey() }];
}

/**
 * Appends one transition's events in a single, all-or-nothing store call, bounded by `timeoutMs`. Any
 * failure becomes an OperationalStateEmitError naming the event type to blame (the generic one unless the
 * store singled out another).
 */
export async function appendTransitionEvents(
  target: EmitTarget,
  events: readonly ChainEventInput[],
  timeoutMs: number = DEFAULT_APPEND_TIMEOUT_MS,
): Promise<AppendedEvent[]> {
  try {
    // Promise.resolve().then: a store whose append throws synchronously is handled like one that rejects.
    return await withTimeout(
      Promise.resolve().then(() => target.store.append(target.workspaceId, events)),
      timeoutMs,
      () => new ChainStoreError('timeout', `chain store did not answer within ${timeoutMs} ms`),
    );
  } catch (err) {
    throw toEmitError(err);
  }
}

/**
 * Any append failure as an OperationalStateEmitError naming the event type to blame: the one the store
 * singled out, else the generic one. One already of that class (a failed preflight) passes as it is.
 */
export function toEmitError(err: unknown): OperationalStateEmitError {
  if (err instanceof OperationalStateEmitError) return err;
  const eventType =
    err instanceof ChainStoreError && err.eventType !== undefined ? err.eventType : GENERIC_TRANSITION_EVENT;
  const cause = err instanceof ChainStoreError ? err.message : describeError(err);
  return new OperationalStateEmitError(eventType, cause, err);
}
