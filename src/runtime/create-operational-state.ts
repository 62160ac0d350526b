import { type Actor, createActor, type InspectionEvent, type Observer } from 'xstate';
import { z } from 'zod';
import { makeSnapshot, type OperationalStateSnapshot } from '../domain/snapshot.js';
import { TriggerSchema } from '../domain/trigger.js';
import {
  ClaimPermissionSchema,
  DegradationReasonSchema,
  PRIMARY_STATES,
  type PrimaryState,
  PrimaryStateSchema,
} from '../domain/vocabulary.js';
import { type EmitOutcome, EmitPipeline, type RejectedEmit } from '../emit/emit-pipeline.js';
import { createEmitService } from '../emit/emit-service.js';
import type { TransitionListener } from '../emit/emit-state-transition.js';
import type { ChainProvider } from '../emit/provider.js';
import type { EmitOutbox } from '../emit/outbox.js';
import type { RetryPolicy } from '../emit/retry-policy.js';
import { EmitFlushTimeoutError, InvalidStateTransitionError, OperationalStateInputError } from '../errors.js';
import { withTimeout } from '../util/with-timeout.js';
import { consoleLogger, type Logger, safeLog } from '../logger.js';
import { type HistoryEntry, MAX_HISTORY_SIZE } from '../machine/context.js';
import type { OperationalStateEvent } from '../machine/events.js';
import { type OperationalStateMachine, operationalStateMachine } from '../machine/machine.js';
import { inputErrorFrom, parseOperationalStateEvent } from '../machine/parse.js';
import { eventForPair } from '../machine/table.js';
import {
  createInspectionRecorder,
  type InspectionRecorder,
  isInspectionRecorder,
} from '../inspect/recorder.js';
import type { InspectorHandle } from '../inspect/server.js';
import type { ChainStore } from '../store/chain/types.js';

/** Where the runtime appends: a store and a fixed workspace, or a provider resolved per emit. */
export type RuntimeTarget =
  { readonly store: ChainStore; readonly workspaceId: string } | { readonly provider: ChainProvider };

export type InspectionObserver = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

/**
 * `true` starts a local inspector (its URL is logged at warn level and is `runtime.inspector`); a
 * recorder, or an inspector handle (which has one), records this runtime's actor and emits from the
 * start; anything else is a plain XState inspection observer.
 */
export type InspectOption =
  InspectionObserver | InspectionRecorder | { readonly recorder: InspectionRecorder } | true;

export interface RuntimeOptions {
  /** pino-compatible; default: errors and warnings to stderr. */
  readonly logger?: Logger;
  /** Transitions kept in the in-memory history (default 20, at most 10000). */
  readonly historySize?: number;
  /** Inspection: see InspectOption. An observer that throws is isolated and never breaks the actor. */
  readonly inspect?: InspectOption;
  /** Bound on one append attempt (default 10000 ms); a hung store then counts as a failed attempt. */
  readonly appendTimeoutMs?: number;
  /** Backoff between attempts of a failed append (default 100 ms doubling to 30 s, with jitter). */
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
}

export interface FlushOptions {
  /** Reject with EmitFlushTimeoutError after this many ms (the emits stay queued and keep retrying). */
  readonly timeoutMs?: number;
}

export interface StopOptions {
  /**
   * How long stop's flush may take. On timeout the actor is stopped anyway, every emit still queued is
   * logged as abandoned (with its events) and stop rejects with EmitFlushTimeoutError. Default: wait.
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
   * appending nothing, for a pair the table lacks; same-state calls are posture updates.
   */
  transitionTo(to: PrimaryState, trigger: string, posture?: PostureChange): Promise<OperationalStateSnapshot>;
  /** Sends a typed chart event (validated); rejects like transitionTo if the current state refuses it. */
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
  /** Flushes, then stops the actor. Idempotent. */
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
}

const OptionsSchema = z
  .object({
    logger: z.custom<Logger>(
      (v) => typeof v === 'object' && v !== null && typeof (v as Logger).error === 'function',
      {
        message: 'logger must have error/warn/info/debug methods',
      },
    ),
    historySize: z.number().int().min(1).max(MAX_HISTORY_SIZE),
    inspect: z.custom<InspectOption>(
      (v) => v === true || typeof v === 'function' || (typeof v === 'object' && v !== null),
      { message: 'inspect must be true, an inspector handle, a recorder or an inspection observer' },
    ),
    appendTimeoutMs: z.number().int().min(1).max(3_600_000),
    retry: z
      .object({
        initialDelayMs: z.number().int().min(1).max(3_600_000).optional(),
        maxDelayMs: z.number().int().min(1).max(3_600_000).optional(),
      })
      .strict(),
    maxQueuedEmits: z.number().int().min(1).max(10_000_000),
    outbox: z.custom<EmitOutbox>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as EmitOutbox).put === 'function' &&
        typeof (v as EmitOutbox).pending === 'function',
      { message: 'outbox must have put/remove/pending/close' },
    ),
  })
  .partial()
  .strict();

const PostureSchema = z
  .object({
    claimPermission: ClaimPermissionSchema.optional(),
    addReasons: z.array(DegradationReasonSchema).max(64).optional(),
    removeReasons: z.array(DegradationReasonSchema).max(64).optional(),
  })
  .strict();

/**
 * Starts one agent's operational-state actor, with its emit service bound to a chain store. The actor
 * starts in `booting`, claim permission `none`, no degradation reasons.
 */
export function createOperationalState(
  target: RuntimeTarget,
  options: RuntimeOptions = {},
): OperationalStateRuntime {
  const parsedOptions = OptionsSchema.safeParse(options);
  if (!parsedOptions.success) throw inputErrorFrom(parsedOptions.error, options, 'options');
  const logger = options.logger ?? consoleLogger;
  const provider = providerOf(target);

  const pipeline = new EmitPipeline({
    provider,
    logger,
    ...(options.appendTimeoutMs !== undefined ? { appendTimeoutMs: options.appendTimeoutMs } : {}),
    ...(options.retry !== undefined ? { retry: options.retry } : {}),
    ...(options.maxQueuedEmits !== undefined ? { maxQueued: options.maxQueuedEmits } : {}),
    ...(options.outbox !== undefined ? { outbox: options.outbox } : {}),
  });
  let emitFailures = 0;
  pipeline.observe((outcome) => {
    if (!outcome.ok) emitFailures += 1;
  });

  const machine = operationalStateMachine.provide({
    actors: { emitService: createEmitService(pipeline, logger) },
  });
  const recorder = recorderOf(options.inspect, logger);
  // The recorder isolates its own conversion and sinks; only a caller's raw observer needs wrapping.
  const raw = recorder === null ? (options.inspect as InspectionObserver | undefined) : undefined;
  const observer = recorder?.observer ?? (raw === undefined ? undefined : isolateInspector(raw, logger));
  const actor = createActor(machine, {
    input: { historySize: options.historySize ?? undefined },
    // No observer at all unless asked: XState then builds no inspection events.
    ...(observer !== undefined ? { inspect: observer } : {}),
  });
  const detachEmits = recorder?.attachEmits({
    onEmit: (fn) => pipeline.observe(fn),
    get pendingEmits() {
      return pipeline.pending;
    },
  });

  const listeners = new Set<TransitionListener>();
  const listenerWork = new Set<Promise<void>>();
  let seenTransitions = 0;
  const subscription = actor.subscribe({
    next: (snapshot) => {
      const t = snapshot.context.lastTransition;
      if (t === null || t.n <= seenTransitions) return;
      seenTransitions = t.n;
      if (listeners.size === 0) return;
      const from = makeSnapshot(t.from, t.previousClaimPermission, t.previousDegradationReasons);
      const to = makeSnapshot(t.to, t.claimPermission, t.degradationReasons);
      for (const listener of [...listeners]) runListener(listener, from, to, t.trigger);
    },
    error: (err) => safeLog(logger, 'error', { err }, 'operational-state actor failed'),
  });
  actor.start();

  // Loaded only when asked: the server pulls in ws and the page, which an agent without it never needs.
  const inspector: Promise<InspectorHandle> | null =
    options.inspect === true && recorder !== null
      ? import('../inspect/server.js').then(async ({ startInspector }) => {
          const handle = await startInspector({ recorder, logger });
          safeLog(
            logger,
            'warn',
            { url: handle.url },
            `opstate inspector at ${handle.url} (keep the token private)`,
          );
          return handle;
        })
      : null;
  // A failed start is logged here; awaiting runtime.inspector still rejects with the cause.
  inspector?.catch((err: unknown) => safeLog(logger, 'error', { err }, 'opstate inspector failed to start'));

  function runListener(
    listener: TransitionListener,
    from: OperationalStateSnapshot,
    to: OperationalStateSnapshot,
    trigger: string,
  ) {
    const report = (err: unknown) =>
      safeLog(
        logger,
        'error',
        { err, from: from.primaryState, to: to.primaryState, trigger },
        'transition listener failed; ignored',
      );
    try {
      const result = listener(from, to, trigger);
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
        const work: Promise<void> = Promise.resolve(result)
          .catch(report)
          .finally(() => listenerWork.delete(work));
        listenerWork.add(work);
      }
    } catch (err) {
      report(err);
    }
  }

  const current = (): OperationalStateSnapshot => {
    const s = actor.getSnapshot();
    return makeSnapshot(s.value as PrimaryState, s.context.claimPermission, s.context.degradationReasons);
  };

  function assertRunning(request: { to?: string; eventType?: string; trigger?: string }) {
    const s = actor.getSnapshot();
    if (s.status === 'done' || s.value === 'stopped') {
      throw new InvalidStateTransitionError({
        from: 'stopped',
        ...request,
        reason: 'stopped is final; recovery is a new process',
      });
    }
    if (s.status !== 'active') {
      throw new InvalidStateTransitionError({
        from: String(s.value),
        ...request,
        reason: `the runtime is ${s.status}`,
      });
    }
  }

  function dispatch(event: OperationalStateEvent): OperationalStateSnapshot {
    const before = actor.getSnapshot();
    // XState ignores an event the current state does not handle, with no side effect at all; so sending
    // first and checking that a transition was committed is exact, and cheaper than `can()` first.
    actor.send(event);
    const after = actor.getSnapshot();
    if (after.context.transitionCount !== before.context.transitionCount + 1) {
      throw new InvalidStateTransitionError({
        from: String(before.value),
        eventType: event.type,
        ...(event.trigger !== undefined ? { trigger: event.trigger } : {}),
        ...(after.status === 'active' ? {} : { reason: `the actor is ${after.status}` }),
      });
    }
    return current();
  }

  let stopping: Promise<void> | null = null;

  async function quiet(): Promise<void> {
    // Listeners may cause further transitions and emits: wait until both queues are quiet.
    for (;;) {
      await pipeline.idle();
      await Promise.allSettled([...listenerWork]);
      if (pipeline.pending === 0 && listenerWork.size === 0) return;
    }
  }

  async function flush(flushOptions: FlushOptions = {}): Promise<void> {
    const timeoutMs = flushOptions.timeoutMs;
    if (timeoutMs === undefined) return quiet();
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0) {
      throw new OperationalStateInputError('timeoutMs', timeoutMs, 'expected a non-negative integer');
    }
    await withTimeout(quiet(), timeoutMs, () => new EmitFlushTimeoutError(timeoutMs, pipeline.pending));
  }

  /** Applies backpressure: the transition is in place, but its caller waits while the queue is full. */
  async function settle(snapshot: OperationalStateSnapshot): Promise<OperationalStateSnapshot> {
    await pipeline.persisted();
    if (pipeline.saturated) await pipeline.waitForRoom();
    return snapshot;
  }

  return {
    get current() {
      return current();
    },
    async transitionTo(to, trigger, posture = {}) {
      const toParsed = PrimaryStateSchema.safeParse(to);
      if (!toParsed.success)
        throw new OperationalStateInputError('to', to, `expected one of ${PRIMARY_STATES.join(', ')}`);
      const trig = TriggerSchema.safeParse(trigger);
      if (!trig.success) throw inputErrorFrom(trig.error, trigger, 'trigger');
      const postureParsed = PostureSchema.safeParse(posture);
      if (!postureParsed.success) throw inputErrorFrom(postureParsed.error, posture, 'posture');
      assertRunning({ to: toParsed.data, trigger: trig.data });
      const from = current().primaryState;
      const type = eventForPair(from, toParsed.data);
      if (type === null)
        throw new InvalidStateTransitionError({ from, to: toParsed.data, trigger: trig.data });
      return settle(dispatch({ type, trigger: trig.data, ...postureParsed.data } as OperationalStateEvent));
    },
    async send(raw) {
      const event = parseOperationalStateEvent(raw);
      assertRunning({
        eventType: event.type,
        ...(event.trigger !== undefined ? { trigger: event.trigger } : {}),
      });
      return settle(dispatch(event));
    },
    history(limit) {
      const all = actor.getSnapshot().context.history;
      if (limit === undefined) return all.map((e) => ({ ...e }));
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
        throw new OperationalStateInputError('limit', limit, 'expected a non-negative integer');
      }
      return all.slice(Math.max(0, all.length - limit)).map((e) => ({ ...e }));
    },
    addListener(listener) {
      if (typeof listener !== 'function')
        throw new OperationalStateInputError('listener', listener, 'expected a function');
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    onEmit(observer) {
      return pipeline.observe(observer);
    },
    flush,
    stop(stopOptions: StopOptions = {}) {
      stopping ??= (async () => {
        try {
          await flush(
            stopOptions.flushTimeoutMs !== undefined ? { timeoutMs: stopOptions.flushTimeoutMs } : {},
          );
        } catch (err) {
          if (err instanceof EmitFlushTimeoutError) pipeline.abandon();
          throw err;
        } finally {
          subscription.unsubscribe();
          actor.stop();
          detachEmits?.();
          if (inspector !== null) await inspector.then((handle) => handle.close()).catch(() => {});
        }
      })();
      return stopping;
    },
    get emitFailures() {
      return emitFailures;
    },
    get pendingEmits() {
      return pipeline.pending;
    },
    get rejectedEmits() {
      return pipeline.rejected;
    },
    actor,
    inspector,
  };
}

function recorderOf(inspect: InspectOption | undefined, logger: Logger): InspectionRecorder | null {
  if (inspect === true) return createInspectionRecorder({ logger });
  if (isInspectionRecorder(inspect)) return inspect;
  if (typeof inspect === 'object' && 'recorder' in inspect && isInspectionRecorder(inspect.recorder)) {
    return inspect.recorder;
  }
  return null;
}

function providerOf(target: RuntimeTarget): ChainProvider {
  if (typeof target !== 'object' || target === null) {
    throw new OperationalStateInputError('target', target, 'expected { store, workspaceId } or { provider }');
  }
  if ('provider' in target) {
    const p = target.provider;
    if (typeof p !== 'object' || p === null || typeof p.resolveWorkspaceId !== 'function') {
      throw new OperationalStateInputError('provider', p, 'expected { connection, resolveWorkspaceId() }');
    }
    return p;
  }
  const { store, workspaceId } = target as { store?: unknown; workspaceId?: unknown };
  if (typeof workspaceId !== 'string' || workspaceId.length === 0) {
    throw new OperationalStateInputError('workspaceId', workspaceId, 'expected a non-empty string');
  }
  if (typeof store !== 'object' || store === null || typeof (store as ChainStore).append !== 'function') {
    throw new OperationalStateInputError(
      'store',
      store,
      'expected a ChainStore (append, read, verify, close)',
    );
  }
  return { connection: store as ChainStore, resolveWorkspaceId: () => workspaceId };
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
