import type { InspectionEvent } from 'xstate';
import {
  createInspectionRecorder,
  type InspectionRecorder,
  isInspectionRecorder,
} from '../inspect/recorder.js';
import type { InspectorHandle } from '../inspect/server.js';
import { type Logger, safeLog } from '../logger.js';
import type { InspectionObserver, InspectOption } from './types.js';

/** What `inspect` resolves to: a recorder (ours or the caller's), or a caller's raw observer, isolated. */
export interface RuntimeInspection {
  readonly recorder: InspectionRecorder | null;
  /** For createActor's `inspect`; undefined when nothing asked, so XState builds no inspection events. */
  readonly observer: ((event: InspectionEvent) => void) | InspectionRecorder['observer'] | undefined;
}

export function inspectionOf(inspect: InspectOption | undefined, logger: Logger): RuntimeInspection {
  const recorder = recorderOf(inspect, logger);
  // The recorder isolates its own conversion and sinks; only a caller's raw observer needs wrapping.
  const raw = recorder === null ? (inspect as InspectionObserver | undefined) : undefined;
  const observer = recorder?.observer ?? (raw === undefined ? undefined : isolateInspector(raw, logger));
  return { recorder, observer };
}

/**
 * Starts the local inspector for `inspect: true`. Loaded only when asked: the server pulls in ws and the
 * page, which an agent without it never needs. A failed start is logged; awaiting it still rejects.
 */
export function startLocalInspector(recorder: InspectionRecorder, logger: Logger): Promise<InspectorHandle> {
  const started = import('../inspect/server.js').then(async ({ startInspector }) => {
    const handle = await startInspector({ recorder, logger });
    safeLog(
      logger,
      'warn',
      // The URL (and its token) once: in the message, which every logger prints.
      { host: handle.host, port: handle.port },
      `opstate inspector at ${handle.url} (keep the token private)`,
    );
    return handle;
  });
  started.catch((err: unknown) => safeLog(logger, 'error', { err }, 'opstate inspector failed to start'));
  return started;
}

function recorderOf(inspect: InspectOption | undefined, logger: Logger): InspectionRecorder | null {
  if (inspect === true) return createInspectionRecorder({ logger });
  if (isInspectionRecorder(inspect)) return inspect;
  if (typeof inspect === 'object' && 'recorder' in inspect && isInspectionRecorder(inspect.recorder)) {
    return inspect.recorder;
  }
  return null;
}

function isolateInspector(inspect: InspectionObserver, logger: Logger): (event: InspectionEvent) => void {
  let reported = false;
  return (event) => {
    try {
      if (typeof inspect === 'function') inspect(event);
      else inspect.next?.(event);
    } catch (err) {
      // Once is loud enough: an observer that throws tends to throw on every event.
      if (!reported) safeLog(logger, 'error', { err }, 'inspection observer threw; isolated (reported once)');
      reported = true;
    }
  };
}
