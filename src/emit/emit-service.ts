import { fromCallback } from 'xstate';
import { safeLog } from '../logger.js';
import { type EmitRequest, emitFailedEvent } from '../machine/emit-protocol.js';
import type { EmitPipeline } from './emit-pipeline.js';

/**
 * The chart's emit service, bound to a pipeline: a long-lived callback actor that hands each request to
 * the pipeline and reports each failure back to the machine as EMIT_FAILED. Its cleanup only detaches:
 * work already queued carries on after the actor stops (see EmitPipeline).
 */
export function createEmitService(pipeline: EmitPipeline, logger: Parameters<typeof safeLog>[0]) {
  return fromCallback<EmitRequest>(({ receive, sendBack }) => {
    let alive = true;
    const detach = pipeline.observe((outcome) => {
      if (alive && !outcome.ok) {
        sendBack(emitFailedEvent(outcome.error.eventType, outcome.error.message));
      }
    });
    receive((request) => {
      // A throw here would become a child error; the service reports instead of throwing.
      try {
        pipeline.enqueue(request.transition);
      } catch (err) {
        safeLog(logger, 'error', { err }, 'emit service could not enqueue a transition');
      }
    });
    return () => {
      alive = false;
      detach();
    };
  });
}
