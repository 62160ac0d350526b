import type { AnyActorRef, InspectionEvent, Observer } from 'xstate';
import type { EmitOutcome } from '../emit/emit-pipeline.js';
import { OperationalStateInputError } from '../errors.js';
import { consoleLogger, type Logger, safeLog } from '../logger.js';
import { actorRecord, type ActorRefShape, type ConvertOptions, convertInspectionEvent } from './convert.js';
import { emitRecord } from './emit-record.js';
import type { ActorRecord, InspectorRecord } from './records.js';
import { STATELY_WIRE_VERSION } from './records.js';
import { RingBuffer } from './ring-buffer.js';

export const DEFAULT_RECORDER_CAPACITY = 2000;
export const DEFAULT_DEPTH_LIMIT = 10;
/** What a redaction hook's value is replaced with when the hook itself throws: fail closed. */
export const REDACTION_FAILED = '[redaction failed]';
/** Evicted actor records kept anyway (see `records()`); beyond this, the oldest go. */
const MAX_PINNED_ACTORS = 64;

export interface RecorderOptions {
  /** Records kept for replay (default 2000); older ones are dropped and counted. */
  readonly capacity?: number;
  /** Levels of context, event and params copied (default 10); deeper values become "[depth limit]". */
  readonly depthLimit?: number;
  /** Returns what the inspector may show of an actor's context (default: all of it). */
  readonly redactContext?: (context: unknown, actorId: string) => unknown;
  /** Returns what the inspector may show of an actor's input (the `input` of its `xstate.init`). */
  readonly redactInput?: (input: unknown) => unknown;
  /** Returns what the inspector may show of any event (applied after redactInput). */
  readonly redactEvent?: (event: { type: string }) => unknown;
  /** Where a throwing sink or hook is reported, once each (default: stderr). */
  readonly logger?: Logger;
}

export type RecordSink = (record: InspectorRecord) => void;

/** Anything whose emit outcomes can be recorded: an OperationalStateRuntime. */
export interface EmitSource {
  onEmit(observer: (outcome: EmitOutcome) => void): () => void;
  readonly pendingEmits: number;
}

/**
 * Turns XState inspection events and emit outcomes into a bounded stream of records. Nothing it is given
 * can break the actor: conversion, redaction and sinks are all isolated, so `observer` never throws.
 */
export interface InspectionRecorder {
  /** Pass as XState's `inspect` option (or to `actor.system.inspect`). */
  readonly observer: Observer<InspectionEvent>;
  /** Records emit outcomes (chain events appended, or the failure) from a runtime. Returns a detach. */
  attachEmits(source: EmitSource): () => void;
  /**
   * Records an actor that is already running (and its children) as if it had just been created, then
   * follows its system: how `startInspector({ actor })` attaches late. Returns a detach.
   */
  attachActor(actor: AnyActorRef): () => void;
  /** Calls `sink` with every new record; with `replay`, first with the records kept. Returns a detach. */
  subscribe(sink: RecordSink, options?: { readonly replay?: boolean }): () => void;
  /**
   * The records kept, oldest first. Actor records the ring buffer evicted come first: without its
   * `@xstate.actor` record (the chart definition) a late page could not draw the chart at all.
   */
  records(): InspectorRecord[];
  /** Records dropped by the ring buffer so far. */
  readonly dropped: number;
  /** The records kept, one JSON object per line: a trace the page can load. */
  toJSONL(): string;
}

const RECORDER_BRAND: unique symbol = Symbol.for('opstate.inspectionRecorder');
let recorderCount = 0;

export function isInspectionRecorder(value: unknown): value is InspectionRecorder {
  return typeof value === 'object' && value !== null && RECORDER_BRAND in value;
}

export function createInspectionRecorder(options: RecorderOptions = {}): InspectionRecorder {
  const capacity = options.capacity ?? DEFAULT_RECORDER_CAPACITY;
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1_000_000) {
    throw new OperationalStateInputError('capacity', capacity, 'expected an integer from 1 to 1000000');
  }
  const depthLimit = options.depthLimit ?? DEFAULT_DEPTH_LIMIT;
  if (!Number.isInteger(depthLimit) || depthLimit < 1 || depthLimit > 100) {
    throw new OperationalStateInputError('depthLimit', depthLimit, 'expected an integer from 1 to 100');
  }
  for (const hook of ['redactContext', 'redactInput', 'redactEvent'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw new OperationalStateInputError(hook, options[hook], 'expected a function');
    }
  }
  const logger = options.logger ?? consoleLogger;
  const reported = new Set<string>();
  const reportOnce = (what: string, err: unknown) => {
    // One report per kind: a hook or sink that throws tends to throw on every event.
    if (reported.has(what)) return;
    reported.add(what);
    safeLog(logger, 'error', { err }, `inspector ${what} threw; isolated (reported once)`);
  };

  const prefix = `r${(recorderCount += 1)}`;
  let n = 0;
  const nextId = () => `${prefix}-${(n += 1)}`;
  const buffer = new RingBuffer<InspectorRecord>(capacity);
  const sinks = new Set<RecordSink>();
  const pinnedActors = new Map<string, ActorRecord>();
  const kept = (): InspectorRecord[] => [...pinnedActors.values(), ...buffer.toArray()];

  const guarded =
    <A extends unknown[]>(what: string, hook: ((...args: A) => unknown) | undefined) =>
    (...args: A): unknown => {
      if (hook === undefined) return args[0];
      try {
        return hook(...args);
      } catch (err) {
        reportOnce(what, err);
        return REDACTION_FAILED;
      }
    };
  const redactInput = guarded('redactInput', options.redactInput);
  const redactEventHook = guarded('redactEvent', options.redactEvent);
  const convert: ConvertOptions = {
    depthLimit,
    nextId,
    redactContext: guarded('redactContext', options.redactContext),
    redactInput,
    redactEvent: (event) => {
      let e: unknown = event;
      if (options.redactInput !== undefined && 'input' in event) {
        e = { ...event, input: redactInput((event as { input: unknown }).input) };
      }
      return options.redactEvent === undefined ? e : redactEventHook(e as { type: string });
    },
  };

  function publish(record: InspectorRecord): void {
    const evicted = buffer.push(record);
    if (evicted?.type === '@xstate.actor') {
      pinnedActors.set(evicted.sessionId, evicted);
      if (pinnedActors.size > MAX_PINNED_ACTORS) {
        pinnedActors.delete(pinnedActors.keys().next().value as string);
      }
    }
    for (const sink of sinks) {
      try {
        sink(record);
      } catch (err) {
        reportOnce('sink', err);
      }
    }
  }

  const observer: Observer<InspectionEvent> = {
    next(event) {
      try {
        const record = convertInspectionEvent(event, convert);
        if (record !== null) publish(record);
      } catch (err) {
        reportOnce('conversion', err);
      }
    },
  };

  const recorder: InspectionRecorder & { [RECORDER_BRAND]: true } = {
    [RECORDER_BRAND]: true,
    observer,
    attachEmits(source) {
      return source.onEmit((outcome) => {
        try {
          publish(emitRecord(outcome, source.pendingEmits, nextId));
        } catch (err) {
          reportOnce('emit conversion', err);
        }
      });
    },
    attachActor(actor) {
      const announce = (ref: AnyActorRef) => {
        publish(
          actorRecord(
            ref as unknown as ActorRefShape,
            {
              id: nextId(),
              rootId: actor.sessionId,
              sessionId: ref.sessionId,
              createdAt: String(Date.now()),
              _version: STATELY_WIRE_VERSION,
            },
            convert,
          ),
        );
        const children = (ref.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> })
          .children;
        for (const child of Object.values(children ?? {})) if (child !== undefined) announce(child);
      };
      try {
        announce(actor);
      } catch (err) {
        reportOnce('conversion', err);
      }
      const subscription = actor.system.inspect(observer);
      return () => subscription.unsubscribe();
    },
    subscribe(sink, subscribeOptions = {}) {
      if (typeof sink !== 'function')
        throw new OperationalStateInputError('sink', sink, 'expected a function');
      if (subscribeOptions.replay === true) {
        for (const record of kept()) {
          try {
            sink(record);
          } catch (err) {
            reportOnce('sink', err);
          }
        }
      }
      sinks.add(sink);
      return () => {
        sinks.delete(sink);
      };
    },
    records: kept,
    get dropped() {
      return buffer.dropped;
    },
    toJSONL() {
      return kept()
        .map((r) => `${JSON.stringify(r)}\n`)
        .join('');
    },
  };
  return recorder;
}
