import { fromCallback } from 'xstate';
import { describeError } from '../error-wording.js';
import type { OperationalStateContext } from './context.js';
import { type EmitRequest, emitFailedEvent, EMITTER_ID, isEmitFailedEvent } from './emit-protocol.js';
import { GENERIC_TRANSITION_EVENT } from '../domain/vocabulary.js';

/*
 * Until a real emit service is provided, every request fails loudly (counted in context as an emit
 * failure) instead of vanishing: createOperationalState provides one bound to a ChainStore.
 */
export const missingEmitService = fromCallback<EmitRequest>(({ receive, sendBack }) => {
  receive((request) => {
    sendBack(
      emitFailedEvent(
        GENERIC_TRANSITION_EVENT,
        `no emit service provided; transition #${request.transition.n} was not appended`,
      ),
    );
  });
});

type Ctx = OperationalStateContext;

/** Unappended transitions (one unless said), counted: the chart never drops an emit without a trace. */
export function countUnappended(
  context: Ctx,
  message: string,
  transition: number | null,
  count = 1,
): Partial<Ctx> {
  return {
    emitFailures: context.emitFailures + count,
    lastEmitFailure: { eventType: GENERIC_TRANSITION_EVENT, message, transition },
  };
}

/** What ended the emit service: XState's `xstate.error.actor.*` or `xstate.done.actor.*` event. */
export function downReason(event: { type: string; error?: unknown }): string {
  if (event.type.startsWith('xstate.error.actor'))
    return `emit service failed: ${describeError(event.error)}`;
  return 'emit service completed';
}

/**
 * True while the invoked emit service itself is running. Its own status, never an event's word for it:
 * anyone holding the actor can send `xstate.error.actor.emitter` or `xstate.done.actor.emitter`, and a
 * service stopped from outside sends nothing at all. Total, since actions call it: an actor that cannot
 * be read counts as running, so what it does is what it did without this check.
 */
export function emitterRunning(self: { getSnapshot(): unknown }): boolean {
  try {
    const snapshot = self.getSnapshot() as { children?: Record<string, EmitterRef | undefined> } | undefined;
    const child = snapshot?.children?.[EMITTER_ID];
    return child !== undefined && child.getSnapshot().status === 'active';
  } catch {
    return true;
  }
}

interface EmitterRef {
  getSnapshot(): { status: string };
}

/**
 * The transitions an ended emit service leaves unappended, as the context update that counts them. A
 * service that completed (a promise, an observable) never took a request: every transition sent to it
 * is counted. One that failed did so on the request in hand, which is counted; the ones it took before
 * were handed on.
 */
export function countEnded(context: Ctx, event: { type: string; error?: unknown }): Partial<Ctx> {
  const reason = downReason(event);
  const n = context.lastTransition?.n ?? null;
  if (n === null)
    return {
      emitServiceDown: reason,
      ...countUnappended(context, `${reason}; no transition is appended from here on`, null, 1),
    };
  const completed = !event.type.startsWith('xstate.error.actor');
  const lost = completed ? n : 1;
  const which = lost === 1 ? `transition #${n} was` : `transitions #1–#${n} (it took no requests) were`;
  const message = `${reason}; ${which} not appended, nor will any later one be`;
  return { emitServiceDown: reason, ...countUnappended(context, message, n, lost) };
}

/** The guard that lets only the emit service's own failure reports be counted (see emitFailedEvent). */
export function isEmitFailureReport({ event }: { event: unknown }): boolean {
  return isEmitFailedEvent(event);
}
