/**
 * `opstate/emit`: the emit service and its ordered, retrying, batching pipeline, for running the chart
 * with `createActor` yourself instead of through `createOperationalState`.
 */
export { createEmitService } from './emit-service.js';
export {
  DEFAULT_MAX_BATCH,
  DEFAULT_MAX_EMIT_LAG_MS,
  DEFAULT_MAX_QUEUED_EMITS,
  type EmitAppended,
  type EmitFailed,
  type EmitOutcome,
  EmitPipeline,
  type EmitPipelineOptions,
  type QueuedEmit,
  type RejectedEmit,
} from './emit-pipeline.js';
export { DEFAULT_APPEND_TIMEOUT_MS } from './append-transition.js';
export {
  DEFAULT_RETRY_INITIAL_DELAY_MS,
  DEFAULT_RETRY_MAX_DELAY_MS,
  type RetryPolicy,
  retryDelayMs,
} from './retry-policy.js';
export type { EmitOutbox, OutboxEntry, StoredOutboxEntry } from './outbox.js';
export { OutboxWorkspaceError, type OutboxWorkspaceProblem } from '../store/outbox.js';
export type { EmitRequest } from '../machine/emit-protocol.js';
