import { createActor } from 'xstate';
import { type CheckpointSchedule, startCheckpointing } from '../checkpoint/schedule.js';
import type { OperationalStateSnapshot } from '../domain/snapshot.js';
import { EmitPipeline } from '../emit/emit-pipeline.js';
import { createEmitService } from '../emit/emit-service.js';
import { outboxMismatch } from '../emit/outbox-workspace.js';
import { InvalidStateTransitionError, OperationalStateInputError } from '../errors.js';
import { consoleLogger, type Logger, safeLog } from '../logger.js';
import type { OperationalStateEvent } from '../machine/events.js';
import { eventForPair } from '../machine/table.js';
import { type CommitProbe, Dispatcher, runtimeMachine } from './dispatch.js';
import { EmitterWatch } from './emitter-watch.js';
import { inspectionOf, startLocalInspector } from './inspection.js';
import { parseEvent, parseOptions, parseTransitionRequest, providerOf } from './inputs.js';
import { Lifecycle } from './lifecycle.js';
import { openRuntimeMetrics } from '../metrics/runtime-metrics.js';
import { TransitionListeners } from './listeners.js';
import { persistedSnapshotOf, restorePoint, startSnapshot } from './start-snapshot.js';
import type { RuntimeStart } from './start.js';
import type { OperationalStateRuntime, RuntimeOptions, RuntimeTarget } from './types.js';

export type {
  FlushOptions,
  InspectionObserver,
  ResumedFrom,
  InspectOption,
  OperationalStateRuntime,
  PostureChange,
  RuntimeCheckpoints,
  RuntimeOptions,
  RuntimeTarget,
  StopOptions,
} from './types.js';

/**
 * Starts one agent's operational-state actor, with its emit service bound to a chain store. The actor
 * starts in `booting`, claim permission `none`, no degradation reasons. Sending lives in dispatch.ts,
 * flush and stop in lifecycle.ts, listeners and inspection in their own files; this wires them.
 */
export function createOperationalState(
  target: RuntimeTarget,
  options: RuntimeOptions = {},
): OperationalStateRuntime {
  return startOperationalState(target, options, {});
}

/**
 * createOperationalState, started where `start` says (resume.ts: the chain's posture, a fenced store
 * view); with no `start.snapshot`, from `options.snapshot` if given, else `booting`.
 */
export function startOperationalState(
  target: RuntimeTarget,
  options: RuntimeOptions,
  start: RuntimeStart,
): OperationalStateRuntime {
  const opts = parseOptions(options);
  const restored = start.posture ?? (opts.snapshot !== undefined ? restorePoint(opts.snapshot) : null);
  const baseProvider = start.provider ?? providerOf(target);
  if (
    opts.outbox !== undefined &&
    target.workspaceId !== undefined &&
    opts.outbox.workspaceId !== target.workspaceId
  ) {
    // A provider's workspace is known per emit only: the pipeline checks each one against the outbox.
    throw outboxMismatch(opts.outbox.workspaceId, target.workspaceId);
  }
  const metrics = openRuntimeMetrics(opts.metrics);
  const provider = metrics === null ? baseProvider : metrics.timed(baseProvider);
  const checkpoints = checkpointsOf(target, metrics === null ? opts : metrics.withCheckpointClock(opts));
  const logger = start.logger ?? opts.logger ?? consoleLogger;

  const pipeline = new EmitPipeline({
    provider,
    logger,
    ...(opts.appendTimeoutMs !== undefined ? { appendTimeoutMs: opts.appendTimeoutMs } : {}),
    ...(opts.retry !== undefined ? { retry: opts.retry } : {}),
    ...(opts.maxQueuedEmits !== undefined ? { maxQueued: opts.maxQueuedEmits } : {}),
    ...(opts.outbox !== undefined ? { outbox: opts.outbox } : {}),
  });
  let emitFailures = 0;
  pipeline.observe((outcome) => {
    if (!outcome.ok) emitFailures += 1;
  });

  const probe: CommitProbe = { expected: null, committed: false };
  const { recorder, observer } = inspectionOf(opts.inspect, logger);
  const machine = runtimeMachine(createEmitService(pipeline, logger), probe);
  const actor = createActor(machine, {
    input: { historySize: opts.historySize ?? undefined },
    ...(restored !== null ? { snapshot: startSnapshot(machine, restored, opts.historySize) } : {}),
    // No observer at all unless asked: XState then builds no inspection events.
    ...(observer !== undefined ? { inspect: observer } : {}),
  });
  const detachEmits = recorder?.attachEmits({
    onEmit: (fn) => pipeline.observe(fn),
    get pendingEmits() {
      return pipeline.pending;
    },
  });
  const detachMetrics = metrics?.attach({
    actor,
    pending: () => pipeline.pending,
    onEmit: (fn) => pipeline.observe(fn),
  });
  const listeners = new TransitionListeners(logger);
  const subscription = listeners.follow(actor);
  const emitter = new EmitterWatch(pipeline, logger);
  const watching = emitter.follow(actor);
  actor.start();
  const inspector = opts.inspect === true && recorder !== null ? startLocalInspector(recorder, logger) : null;

  const dispatcher = new Dispatcher(actor, probe);
  const lifecycle = new Lifecycle({
    pipeline,
    listenerWork: listeners.work,
    release: async () => {
      dispatcher.stopped = true;
      subscription.unsubscribe();
      watching.unsubscribe();
      actor.stop();
      detachEmits?.();
      detachMetrics?.();
      pipeline.release();
      // The final checkpoint only when every emit landed: after a timed-out stop the store may be hung.
      if (checkpoints !== null) await stopCheckpoints(checkpoints, pipeline.pending === 0, logger);
      if (inspector !== null) await inspector.then((handle) => handle.close()).catch(() => {});
    },
  });

  /** Backpressure: the transition is in place, but its caller waits while the chain lags (EmitPipeline.admit). */
  async function settle(applied: OperationalStateSnapshot | Promise<OperationalStateSnapshot>) {
    const snapshot = applied instanceof Promise ? await applied : applied;
    const wait = pipeline.admit();
    if (wait !== null) await wait;
    return snapshot;
  }

  return {
    get current() {
      return dispatcher.current();
    },
    async transitionTo(to, trigger, posture = {}) {
      start.beforeRequest?.();
      const request = parseTransitionRequest(to, trigger, posture);
      return settle(
        dispatcher.submit({ to: request.to, trigger: request.trigger }, () => {
          // Resolved when applied: a re-entrant request sees the state it is applied in.
          const from = dispatcher.current().primaryState;
          const type = eventForPair(from, request.to);
          if (type === null)
            throw new InvalidStateTransitionError({ from, to: request.to, trigger: request.trigger });
          return { type, trigger: request.trigger, ...request.posture } as OperationalStateEvent;
        }),
      );
    },
    async send(raw) {
      start.beforeRequest?.();
      const event = parseEvent(raw);
      return settle(
        dispatcher.submit(
          { eventType: event.type, ...(event.trigger !== undefined ? { trigger: event.trigger } : {}) },
          () => event,
        ),
      );
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
      return listeners.add(listener);
    },
    onEmit(observer) {
      if (typeof observer !== 'function')
        throw new OperationalStateInputError('observer', observer, 'expected a function');
      return pipeline.observe(observer);
    },
    flush: (flushOptions) => lifecycle.flush(flushOptions),
    stop: (stopOptions) => lifecycle.stop(stopOptions),
    get emitFailures() {
      return emitFailures + emitter.failures;
    },
    get pendingEmits() {
      return pipeline.pending;
    },
    get rejectedEmits() {
      return pipeline.rejected;
    },
    actor,
    inspector,
    get resumedFrom() {
      return start.resumedFrom ?? null;
    },
    get fenced() {
      return start.fenced?.() ?? false;
    },
    getPersistedSnapshot() {
      return persistedSnapshotOf(actor);
    },
  };
}

/** Starts the checkpoint schedule asked for in `options`, on a `{ store, workspaceId }` target. */
function checkpointsOf(target: RuntimeTarget, options: RuntimeOptions): CheckpointSchedule | null {
  if (options.checkpoints === undefined) return null;
  if (target.store === undefined) {
    throw new OperationalStateInputError(
      'options.checkpoints',
      options.checkpoints,
      'checkpoints need a { store, workspaceId } target (a provider may switch stores)',
    );
  }
  return startCheckpointing({ ...options.checkpoints, store: target.store, workspaceId: target.workspaceId });
}

/** Bounded: a store that stopped answering must not hold stop() past its own timeout. */
async function stopCheckpoints(schedule: CheckpointSchedule, final: boolean, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CHECKPOINT_STOP_MS);
    timer.unref();
  });
  try {
    await Promise.race([schedule.stop({ final }), bound]);
  } catch (err) {
    safeLog(logger, 'error', { err }, 'opstate: the final checkpoint failed');
  } finally {
    clearTimeout(timer);
  }
}

const CHECKPOINT_STOP_MS = 5000;
