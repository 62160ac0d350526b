import type { CommittedTransition } from './context.js';

/** What the chart sends its emit service for every transition. */
export interface EmitRequest {
  readonly type: 'EMIT';
  /** The transition as committed, with the literal its guard chose (or null). */
  readonly transition: CommittedTransition;
}

/** The name the chart knows its emit service by, in `setup({ actors })`; `provide()` replaces it. */
export const EMIT_SERVICE = 'emitService';
/** The invoke id of the emit service under the root. */
export const EMITTER_ID = 'emitter';
