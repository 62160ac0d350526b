// Vocabulary and wire format

export { buildPayload, type TransitionPayload, TransitionPayloadSchema } from './domain/payload.js';
export {
  makeSnapshot,
  type OperationalStateSnapshot,
  OperationalStateSnapshotSchema,
} from './domain/snapshot.js';
export { MAX_TRIGGER_BYTES, TriggerSchema } from './domain/trigger.js';
export {
  BOOT_FAILED_EVENT,
  BOOT_READY_EVENT,
  CHAIN_EVENT_TYPES,
  type ChainEventType,
  CLAIM_PERMISSIONS,
  ClaimPermission,
  ClaimPermissionSchema,
  DEGRADATION_REASONS,
  DegradationReason,
  DegradationReasonSchema,
  GENERIC_TRANSITION_EVENT,
  PAUSED_COST_LIMIT_EVENT,
  PRIMARY_STATES,
  PrimaryState,
  PrimaryStateSchema,
  type TriggerLiteral,
} from './domain/vocabulary.js';
export { DEFAULT_APPEND_TIMEOUT_MS } from './emit/append-transition.js';
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
} from './emit/emit-pipeline.js';
export type { EmitOutbox, OutboxEntry, StoredOutboxEntry } from './emit/outbox.js';
export {
  DEFAULT_RETRY_INITIAL_DELAY_MS,
  DEFAULT_RETRY_MAX_DELAY_MS,
  type RetryPolicy,
  retryDelayMs,
} from './emit/retry-policy.js';
export { createEmitService } from './emit/emit-service.js';
export {
  type EmitOptions,
  emitStateTransition,
  makeEmitListener,
  type TransitionListener,
} from './emit/emit-state-transition.js';
// Emit
export { type ChainProvider, resolveEmitTarget } from './emit/provider.js';
// Errors
export {
  ChainStoreError,
  type ChainStoreErrorKind,
  EmitFlushTimeoutError,
  InvalidStateTransitionError,
  OperationalStateEmitError,
  OperationalStateInputError,
} from './errors.js';
export { consoleLogger, type Logger, silentLogger } from './logger.js';
export type {
  CommittedTransition,
  EmitFailure,
  HistoryEntry,
  OperationalStateContext,
  OperationalStateInput,
} from './machine/context.js';
export type { EmitRequest } from './machine/emit-protocol.js';
export {
  CHART_EVENT_TYPES,
  ChartEventSchema,
  type OperationalStateEvent,
  type OperationalStateEventType,
  type PauseCause,
  PauseCauseSchema,
} from './machine/events.js';
// The chart
export {
  type OperationalStateConfig,
  operationalStateConfig,
  operationalStateImplementations,
  type OperationalStateMachine,
  operationalStateMachine,
  type TransitionRowMeta,
} from './machine/machine.js';
export { parseOperationalStateEvent } from './machine/parse.js';
export { selectExtraLiteral, snapshotIn, type SnapshotInPosture } from './machine/pure.js';
export {
  eventForPair,
  isValidTransition,
  TRANSITION_TABLE,
  type TransitionRow,
  transitionsFrom,
  transitionsTo,
} from './machine/table.js';
export { LITERAL_TRIGGER_TEXT, PAUSE_TRIGGER_BY_CAUSE, TRIGGER } from './machine/wording.js';
// Inspector
export { InspectorError, type InspectorErrorKind } from './inspect/inspector-error.js';
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
} from './inspect/records.js';
export {
  createInspectionRecorder,
  type EmitSource,
  type InspectionRecorder,
  type RecorderOptions,
  type RecordSink,
} from './inspect/recorder.js';
export type { InspectorHandle, StartInspectorOptions } from './inspect/server.js';
export type { StatelyForward, StatelyForwardOptions } from './inspect/stately.js';
// Cockpit
export type { CockpitHandle, StartCockpitOptions } from './cockpit/server.js';
export type { CockpitRow, CockpitTable, WorkspaceSummary } from './cockpit/wire.js';
// Runtime
export {
  createOperationalState,
  type FlushOptions,
  type InspectionObserver,
  type InspectOption,
  type OperationalStateRuntime,
  type PostureChange,
  type RuntimeOptions,
  type RuntimeTarget,
  type StopOptions,
} from './runtime/create-operational-state.js';
export { canonicalPayload } from './store/chain/canonical-json.js';
export { chainHash, genesisHash, HASH_VERSION } from './store/chain/hash.js';
export { createMemoryChainStore, type MemoryChainStoreOptions } from './store/memory/memory-store.js';
export type { PostgresChainStore, PostgresChainStoreOptions } from './store/postgres/postgres-store.js';
// Store openers and the inspector server load their modules on first call (see lazy-openers.ts).
export {
  forwardToStately,
  openPostgresChainStore,
  openSqliteChainStore,
  openSqliteOutbox,
  startCockpit,
  startInspector,
} from './lazy-openers.js';
export { DEFAULT_BUSY_TIMEOUT_MS } from './store/sqlite/defaults.js';
export type { SqliteChainStore, SqliteChainStoreOptions } from './store/sqlite/sqlite-store.js';
export type { SqliteOutboxOptions } from './store/sqlite/sqlite-outbox.js';
export { loadMigrations, type Migration, MIGRATIONS_DIR } from './store/postgres/migrate.js';
export type { SqlChainStore } from './store/postgres/sql-chain-store.js';
// Chain stores
export type {
  AppendedEvent,
  ChainDivergence,
  ChainEvent,
  ChainEventInput,
  ChainStore,
  DivergenceKind,
  JsonObject,
  JsonValue,
  ReadOptions,
  StoreChange,
  VerifyResult,
} from './store/chain/types.js';
export {
  ChainVerifier,
  toVerifiable,
  type VerifiableEvent,
  verifyChain,
  verifyChainPages,
  type VerifyInput,
} from './store/chain/verify.js';
export type { ChainAnchor, VerifyOptions } from './store/chain/types.js';
export { nonCanonicalReason } from './store/chain/canonical-check.js';
export { streamChainEvents } from './store/chain/stream.js';
export { type VerifyProgressListener, withVerifyProgress } from './store/chain/progress.js';
export { workspaceIdProblem } from './store/chain/validate.js';
// Signed checkpoints
export { CheckpointError, type CheckpointErrorKind } from './checkpoint/errors.js';
export {
  type Checkpoint,
  type CheckpointStatement,
  formatCheckpoint,
  parseCheckpoint,
  parseCheckpointText,
  signingBytes,
} from './checkpoint/format.js';
export {
  generateCheckpointKeys,
  type KeyInput,
  keyIdOf,
  loadPrivateKey,
  loadPublicKey,
} from './checkpoint/keys.js';
export { createCheckpoint, signCheckpoint } from './checkpoint/sign.js';
export { authenticateCheckpoint, verifyWithCheckpoints } from './checkpoint/verify.js';
export {
  type CheckpointSchedule,
  type CheckpointScheduleOptions,
  startCheckpointing,
} from './checkpoint/schedule.js';

// Chart export (also in opstate/testing)
export { toDot, toMachineJSON, toMermaid } from './testing/chart-export.js';

// OpenTelemetry metrics
export {
  type InstrumentKind,
  type MetricDescription,
  METER_NAME,
  MS_BUCKETS,
  RUNTIME_METRICS,
} from './metrics/catalog.js';
export type { MetricsOption, RuntimeMetricsOptions } from './metrics/options.js';
export type { CockpitMetricsOptions } from './cockpit/metrics-endpoint.js';

// Fleet summary: each workspace's head and last transition, as the stores report it
export type { LastTransition, WorkspaceHead } from './store/chain/types.js';

// Resume from the verified chain; one owner per workspace
export { resumeOperationalState, type ResumeOptions, type ResumeSettings } from './runtime/resume.js';
export type { ResumePolicy, EndingPosture } from './runtime/resume-posture.js';
export { planResume, type PlanOptions, type ResumePlan } from './runtime/resume-plan.js';
export { ChainNotVerifiedError, ResumeRefusedError } from './runtime/resume-errors.js';
export type { ResumedFrom } from './runtime/types.js';
export type { PersistedOperationalState, RestorePoint } from './runtime/start-snapshot.js';
export {
  isFencedError,
  type OwnedChainStore,
  type OwnerClaim,
  ownershipOf,
  WorkspaceFencedError,
  type WorkspaceOwnership,
} from './store/chain/owner.js';
export { type ChainRestart, findRestarts } from './store/chain/restarts.js';
