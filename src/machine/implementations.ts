import { fromCallback } from 'xstate';
import { describeError } from '../emit/provider.js';
import type { OperationalStateContext } from './context.js';
import { type EmitRequest, emitFailedEvent, isEmitFailedEvent } from './emit-protocol.js';
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

/** One unappended transition, counted: the chart never drops an emit without a trace. */
export function countUnappended(context: Ctx, message: string, transition: number | null): Partial<Ctx> {
  return {
    emitFailures: context.emitFailures + 1,
    lastEmitFailure: { eventType: GENERIC_TRANSITION_EVENT, message, transition },
  };
}

/** What ended the emit service: XState's `xstate.error.actor.*` or `xstate.done.actor.*` event. */
export function downReason(event: { type: string; error?: unknown }): string {
  if (event.type.startsWith('xstate.error.actor'))
    return `emit service failed: ${describeError(event.error)}`;
  return 'emit service completed';
}

/** The guard that lets only the emit service's own failure reports be counted (see emitFailedEvent). */
export function isEmitFailureReport({ event }: { event: unknown }): boolean {
  return isEmitFailedEvent(event);
}
