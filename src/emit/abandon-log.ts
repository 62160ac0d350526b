import { type Logger, safeLog } from '../logger.js';
import type { QueuedEmit } from './emit-outcome.js';

/**
 * Says loudly, one line per transition and with its events (idempotency keys included, so an operator
 * can replay them), what a stop gave up on: the only place events are knowingly not appended.
 */
export function logAbandoned(logger: Logger, left: readonly QueuedEmit[], journaled: boolean): void {
  for (const item of left) {
    safeLog(
      logger,
      'error',
      {
        from: item.transition.from,
        to: item.transition.to,
        trigger: item.transition.trigger,
        attempts: item.attempts,
        events: item.events,
      },
      journaled
        ? 'emit abandoned at stop: it stays in the outbox and is appended on the next start'
        : 'emit abandoned at stop: this transition never reached the chain store',
    );
  }
}
