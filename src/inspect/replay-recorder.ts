import type { InspectionRecorder, RecordSink } from './recorder.js';
import type { InspectorRecord } from './records.js';

// The same global symbol the live recorder is branded with (Symbol.for is shared across modules).
const RECORDER_BRAND = Symbol.for('opstate.inspectionRecorder');

/**
 * A recorder that serves a recorded trace instead of a live actor: what `opstate inspect --trace FILE`
 * hands to `startInspector`, so a page debugs a run after the fact exactly as it would watch it live.
 */
export function createReplayRecorder(trace: readonly InspectorRecord[]): InspectionRecorder {
  const records = [...trace];
  return {
    [RECORDER_BRAND]: true,
    // Nothing live to observe: the trace is all there is.
    observer: { next: () => {}, error: () => {}, complete: () => {} },
    attachEmits: () => () => {},
    attachActor: () => () => {},
    subscribe(sink: RecordSink, options?: { readonly replay?: boolean }) {
      if (options?.replay) for (const r of records) sink(r);
      return () => {};
    },
    records: () => [...records],
    dropped: 0,
    toJSONL: () => records.map((r) => `${JSON.stringify(r)}\n`).join(''),
  } as InspectionRecorder;
}
