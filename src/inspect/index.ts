/**
 * `opstate/inspector`: the inspector page server, the recorder that turns XState inspection events into
 * records, its record types, and forwarding to Stately's inspector. Importing it loads the server
 * modules (`ws`, `node:http`); `import 'opstate'` does not.
 */
export { InspectorError, type InspectorErrorKind } from './inspector-error.js';
export type {
  ActionRecord,
  ActorRecord,
  AppendedSummary,
  EmitRecord,
  EventRecord,
  InspectedSnapshotRecord,
  InspectorMessage,
  InspectorRecord,
  JsonLike,
  MicrostepRecord,
  SnapshotRecord,
  StatelyRecord,
  TransitionSummary,
} from './records.js';
export {
  createInspectionRecorder,
  type EmitSource,
  type InspectionRecorder,
  type RecorderOptions,
  type RecordSink,
} from './recorder.js';
export { type InspectorHandle, startInspector, type StartInspectorOptions } from './server.js';
export { forwardToStately, type StatelyForward, type StatelyForwardOptions } from './stately.js';
