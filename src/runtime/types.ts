import type { Actor, InspectionEvent, Observer } from 'xstate';
import type { z } from 'zod';
import type { OperationalStateSnapshot } from '../domain/snapshot.js';
import type { PrimaryState } from '../domain/vocabulary.js';
import type { ClaimPermissionSchema, DegradationReasonSchema } from '../machine/schemas.js';
import type { EmitOutcome, RejectedEmit } from '../emit/emit-pipeline.js';
import type { TransitionListener } from '../emit/emit-state-transition.js';
import type { ChainProvider } from '../emit/provider.js';
import type { EmitOutbox } from '../emit/outbox.js';
import type { RetryPolicy } from '../emit/retry-policy.js';
import type { Logger } from '../logger.js';
import type { HistoryEntry } from '../machine/context.js';
import type { OperationalStateEvent } from '../machine/events.js';
import type { OperationalStateMachine } from '../machine/machine.js';
import type { InspectionRecorder } from '../inspect/recorder.js';
import type { InspectorHandle } from '../inspect/server.js';
import type { ChainStore } from '../store/chain/types.js';
import type { CheckpointScheduleOptions } from '../checkpoint/schedule.js';
import type { MetricsOption } from '../metrics/options.js';
import type { PersistedOperationalState } from './start-snapshot.js';

/** Where the runtime appends: a store and a fixed workspace, or a provider resolved per emit. */
export type RuntimeTarget =
  | { readonly store: ChainStore; readonly workspaceId: string; readonly provider?: never }
  | { readonly provider: ChainProvider; readonly store?: never; readonly workspaceId?: never };

export type InspectionObserver = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

/**
 * `true` starts a local inspector (its URL is logged at warn level and is `runtime.inspector`); a
 * recorder, or an inspector handle (which has one), records this runtime's actor and emits from the
 * start; anything else is a plain XState inspection observer.
 */
export type InspectOption =
  InspectionObserver | InspectionRecorder | { readonly recorder: InspectionRecorder } | true;

/** The runtime's checkpoint schedule: `startCheckpointing`'s options without the store and workspace. */
export type RuntimeCheckpoints = Omit<CheckpointScheduleOptions, 'store' | 'workspaceId'>;

export interface RuntimeOptions {
  /** pino-compatible; default: errors and warnings to stderr. */
  readonly logger?: Logger;
  /** Transitions kept in the in-memory history (default 20, at most 10000). */
  readonly historySize?: number;
  /** Inspection: see InspectOption. An observer that throws is isolated and never breaks the actor. */
  readonly inspect?: InspectOption;
  /** Bound on one append attempt (default 10000 ms); a hung store then counts as a failed attempt. */
  readonly appendTimeoutMs?: number;
  /** Backoff between attempts of a failed append (default 100 ms doubling to 1 s, with jitter). */
  readonly retry?: RetryPolicy;
  /**
   * Queued emits above which `transitionTo`/`send` wait for room before resolving (default 10000). The
   * transition itself is applied at once; nothing is dropped.
   */
  readonly maxQueuedEmits?: number;
  /**
   * A durable queue (e.g. `openSqliteOutbox`): transitions whose emit has not landed survive a restart
   * and are appended first by the next runtime on it; `transitionTo`/`send` resolve once the emit is
   * written there. The runtime does not close it.
   */
  readonly outbox?: EmitOutbox;
  /**
   * Signs a checkpoint of this runtime's chain every `everyEvents` events and/or every `everyMs` ms and
   * hands it to `onCheckpoint` (keep it outside the store: see docs/checkpoints.md); `stop()`
   * signs what is new since the last one. Needs a `{ store, workspaceId }` target.
   */
  readonly checkpoints?: RuntimeCheckpoints;
  /** OpenTelemetry metrics: see MetricsOption (default: the global MeterProvider, if one is registered). */
  readonly metrics?: MetricsOption;
  /**
   * Start from a persisted snapshot (`runtime.getPersistedSnapshot()`), as `createActor(machine,
   * { snapshot })` does: its state, claim permission, degradation reasons, transition count and history.
   * To start from the chain instead (verified, fenced), use `resumeOperationalState`.
   */
  readonly snapshot?: PersistedOperationalState;
}

/** Where a resumed runtime picked up its workspace's chain (see `resumeOperationalState`). */
export interface ResumedFrom {
  /** The last seq of the verified chain (0 for an empty chain). */
  readonly seq: number;
  /** The state the chain's last transition went to (null for an empty chain). */
  readonly state: PrimaryState | null;
  /** The owner epoch this runtime claimed (null on a store that keeps no owners). */
  readonly epoch: number | null;
  /** Transitions an outbox still held for the workspace, appended first by this runtime. */
  readonly outboxLeftovers: number;
}

export interface FlushOptions {
  /** Reject with EmitFlushTimeoutError after this many ms (the emits stay queued and keep retrying). */
  readonly timeoutMs?: number;
}

export interface StopOptions {
  /**
   * How long this stop may take. On timeout the actor is stopped anyway, every emit still queued is
   * logged as abandoned (with its events) and stop rejects with EmitFlushTimeoutError; so does any
   * earlier, untimed `stop()` still waiting. It settles in its time whatever came before, and leaves no
   * timer behind. Default: wait for the flush.
   */
  readonly flushTimeoutMs?: number;
}

/** Posture changes a transition may carry; applied in this order: claim permission, add, then remove. */
export interface PostureChange {
  readonly claimPermission?: z.input<typeof ClaimPermissionSchema>;
  readonly addReasons?: readonly z.input<typeof DegradationReasonSchema>[];
  readonly removeReasons?: readonly z.input<typeof DegradationReasonSchema>[];
}

export interface OperationalStateRuntime {
  /** The state now. */
  readonly current: OperationalStateSnapshot;
  /**
   * Moves to `to` with a free-text trigger. Resolves once the new state is in place (the emit follows
   * asynchronously; `flush()` waits for it). Rejects with InvalidStateTransitionError, changing and
   * appending nothing, for a pair the table lacks; same-state calls are posture updates. Called from a
   * listener or an `actor.subscribe` callback (re-entrantly), the request is applied right after the
   * transition being reported, in call order, and `to` is resolved against the state it is applied in.
   */
  transitionTo(to: PrimaryState, trigger: string, posture?: PostureChange): Promise<OperationalStateSnapshot>;
  /**
   * Sends a typed chart event (validated, then stamped with the time); rejects like transitionTo if the
   * state it is applied in refuses it. Internal events (the emit service's reports) are refused as input.
   */
  send(event: OperationalStateEvent): Promise<OperationalStateSnapshot>;
  /** The last `limit` transitions (default: all kept), oldest first. */
  history(limit?: number): HistoryEntry[];
  /**
   * Calls `listener(from, to, trigger)` after every transition, in order. A listener that throws or
   * rejects is logged and isolated. Returns an unsubscribe function.
   */
  addListener(listener: TransitionListener): () => void;
  /** Observes every emit outcome (appended events, or the OperationalStateEmitError), in order. */
  onEmit(observer: (outcome: EmitOutcome) => void): () => void;
  /**
   * Resolves once every emit requested so far has landed in the chain store (or was refused outright as
   * invalid, see `rejectedEmits`) and listeners have settled. While the store is down this waits, because
   * the emits are being retried: pass `timeoutMs` to bound the wait.
   */
  flush(options?: FlushOptions): Promise<void>;
  /** Flushes, then stops the actor. Idempotent; a later call may bound the wait (see StopOptions). */
  stop(options?: StopOptions): Promise<void>;
  /** Failed append attempts so far (each was logged as OperationalStateEmitError; most were retried). */
  readonly emitFailures: number;
  /** Emits requested but not yet landed. */
  readonly pendingEmits: number;
  /** Emits the store refused as invalid (never retried), with their events. */
  readonly rejectedEmits: readonly RejectedEmit[];
  /** The running XState actor, for inspection and `subscribe`. */
  readonly actor: Actor<OperationalStateMachine>;
  /** The inspector started by `inspect: true` (closed by `stop()`), else null. */
  readonly inspector: Promise<InspectorHandle> | null;
  /** Where a resumed runtime picked up its chain; null for one made by `createOperationalState`. */
  readonly resumedFrom: ResumedFrom | null;
  /**
   * True once a later resume of the workspace claimed it: this runtime's appends are refused (logged
   * once at error), and `transitionTo`/`send` reject with WorkspaceFencedError. Always false for a
   * runtime made by `createOperationalState` (shared appends, no owner).
   */
  readonly fenced: boolean;
  /** XState's persisted snapshot of the actor, for `createOperationalState(target, { snapshot })`. */
  getPersistedSnapshot(): PersistedOperationalState;
}
