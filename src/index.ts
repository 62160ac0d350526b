// `opstate`: what an embedder needs. The runtime, the chart and its vocabulary, the errors, the store
// openers and the runtime's checkpoint options. Everything else is a subpath by use (see
// docs/entry-points.md): opstate/chain, opstate/checkpoint, opstate/chart, opstate/emit, opstate/store,
// opstate/inspector, opstate/cockpit, opstate/original, opstate/testing. A driver (pg, better-sqlite3)
// loads when a store is opened, never on import.

// The runtime: resumed from its verified chain, or created fresh
export { resumeOperationalState } from './runtime/resume-on-demand.js';
export type { ResumeOptions, ResumeSettings } from './runtime/resume.js';
export type { ResumePolicy } from './runtime/resume-posture.js';
export type { ResumedFrom } from './runtime/types.js';
export type { PersistedOperationalState } from './runtime/start-snapshot.js';
export type { MetricsOption } from './metrics/options.js';
export {
  createOperationalState,
  type FlushOptions,
  type InspectionObserver,
  type InspectOption,
  type OperationalStateRuntime,
  type PostureChange,
  type RuntimeCheckpoints,
  type RuntimeOptions,
  type RuntimeTarget,
  type StopOptions,
} from './runtime/create-operational-state.js';
export type { ChainProvider } from './emit/provider.js';
export type { HistoryEntry } from './machine/context.js';
export { consoleLogger, type Logger, silentLogger } from './logger.js';

// The chart
export {
  operationalStateConfig,
  type OperationalStateConfig,
  operationalStateImplementations,
  operationalStateMachine,
  type OperationalStateMachine,
} from './machine/machine.js';
export { opstateGraphOptions } from './machine/graph-options.js';
export { snapshotIn } from './machine/pure.js';
export { parseOperationalStateEvent } from './machine/parse.js';
export {
  CHART_EVENT_TYPES,
  type OperationalStateEvent,
  type OperationalStateEventType,
} from './machine/events.js';

// The vocabulary
export {
  CHAIN_EVENT_TYPES,
  type ChainEventType,
  CLAIM_PERMISSIONS,
  ClaimPermission,
  DEGRADATION_REASONS,
  DegradationReason,
  PRIMARY_STATES,
  PrimaryState,
} from './domain/vocabulary.js';
export type { OperationalStateSnapshot } from './domain/snapshot.js';

// Errors
export {
  ChainStoreError,
  type ChainStoreErrorKind,
  EmitFlushTimeoutError,
  InvalidStateTransitionError,
  OperationalStateEmitError,
  OperationalStateInputError,
} from './errors.js';
export { CheckpointError, type CheckpointErrorKind } from './checkpoint/errors.js';
export { ChainNotVerifiedError, ResumeRefusedError } from './runtime/resume-errors.js';
export { WorkspaceFencedError } from './store/chain/owner.js';

// Stores (each driver loads on open)
export {
  openSqliteChainStore,
  type SqliteChainStore,
  type SqliteChainStoreOptions,
} from './store/sqlite/sqlite-store.js';
export { openSqliteOutbox, type SqliteOutboxOptions } from './emit/sqlite-outbox.js';
export { openPostgresChainStore } from './store/open-postgres.js';
export type { PostgresChainStore, PostgresChainStoreOptions } from './store/postgres/postgres-store.js';
export { createMemoryChainStore, type MemoryChainStoreOptions } from './store/memory/memory-store.js';
export type { AppendedEvent, ChainEvent, ChainStore, VerifyResult } from './store/chain/types.js';
export type { EmitOutbox } from './emit/outbox.js';

// Checkpoints, as the runtime's `checkpoints` option takes them
export type { Checkpoint } from './checkpoint/format.js';
export type { KeyInput } from './checkpoint/keys.js';
