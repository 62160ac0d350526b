import { randomUUID } from 'node:crypto';
import { buildPayload } from '../domain/payload.js';
import type { OperationalStateSnapshot } from '../domain/snapshot.js';
import { GENERIC_TRANSITION_EVENT, type TriggerLiteral } from '../domain/vocabulary.js';
import { ChainStoreError, OperationalStateEmitError } from '../errors.js';
import type { AppendedEvent, ChainEventInput } from '../store/chain/types.js';
import { withTimeout } from '../util/with-timeout.js';
import { describeError, type EmitTarget } from './provider.js';

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
  const payload = buildPayload(t.from, t.to, t.trigger);
  const correlationId = randomUUID();
  const types = t.literal === null ? [GENERIC_TRANSITION_EVENT] : [GENERIC_TRANSITION_EVENT, t.literal];
  return types.map((eventType) => ({ eventType, payload, correlationId, idempotencyKey: randomUUID() }));
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
    const eventType =
      err instanceof ChainStoreError && err.eventType !== undefined
        ? err.eventType
        : GENERIC_TRANSITION_EVENT;
    const cause = err instanceof ChainStoreError ? err.message : describeError(err);
    throw new OperationalStateEmitError(eventType, cause, err);
  }
}
