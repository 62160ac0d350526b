import type { AppendedSummary, EmitRecord, InspectorRecord, JsonLike } from '../../src/inspect/records.js';
import { describeGuard, parseChart, type Chart } from './chart.js';

/** The operational context as the page shows it; null fields when the snapshot lacks them. */
export interface ContextView {
  readonly primaryState: string;
  readonly claimPermission: string | null;
  readonly degradationReasons: readonly string[];
  readonly transitionCount: number | null;
  readonly emitFailures: number | null;
  readonly lastEmitFailure: string | null;
  /** Whether this is opstate's machine (a claim permission and a reason set): the panel shows its fields. */
  readonly opstate: boolean;
  /** The context as recorded, for any other machine. */
  readonly raw: JsonLike | null;
}

/** One root snapshot: a point the timeline can step back to. */
export interface Frame {
  readonly value: JsonLike;
  readonly context: ContextView;
  /** `source|event` of the transition that led here, for the chart's animated edge. */
  readonly taken: string | null;
}

export type EmitView =
  | { readonly status: 'appended'; readonly appended: readonly AppendedSummary[] }
  | { readonly status: 'failed'; readonly error: string; readonly eventType: string }
  | { readonly status: 'queued'; readonly pending: number | null }
  | { readonly status: 'none' };

export interface Row {
  readonly frame: number;
  readonly kind: 'start' | 'transition' | 'event';
  readonly createdAt: number;
  readonly eventType: string;
  readonly from: string | null;
  readonly to: string;
  readonly trigger: string | null;
  /** The guard(s) XState evaluated true for the transition taken, with params. */
  readonly guards: readonly string[];
  readonly literal: string | null;
  /** Transition number (context.lastTransition.n), the key of its emit. */
  readonly n: number | null;
  /** For internal events such as EMIT_FAILED: what they carried. */
  readonly detail: string | null;
}

export interface Model {
  chart: Chart | null;
  rootSession: string | null;
  frames: Frame[];
  rows: Row[];
  emits: Map<number, EmitRecord>;
  requested: Set<number>;
  dropped: number;
  records: number;
  /** Microsteps of the root since its last snapshot. */
  micro: { guards: string[]; taken: string | null };
  lastN: number;
  /** The store as the emits saw it: the last failure, and the first append that landed after it. */
  emitHealth: EmitHealth;
}

export interface EmitHealth {
  /** When the latest emit failure happened (ms), or null if none yet. */
  readonly failedAt: number | null;
  readonly message: string | null;
  /** When an append first landed after that failure (ms): the store recovered. Null while it stands. */
  readonly recoveredAt: number | null;
}

export function emptyModel(): Model {
  return {
    chart: null,
    rootSession: null,
    frames: [],
    rows: [],
    emits: new Map(),
    requested: new Set(),
    dropped: 0,
    records: 0,
    micro: { guards: [], taken: null },
    lastN: 0,
    emitHealth: { failedAt: null, message: null, recoveredAt: null },
  };
}

type Obj = { readonly [key: string]: JsonLike };
const isObj = (v: JsonLike | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: JsonLike | undefined): string | null => (typeof v === 'string' ? v : null);
const num = (v: JsonLike | undefined): number | null => (typeof v === 'number' ? v : null);

function contextView(value: JsonLike | undefined, context: JsonLike | undefined): ContextView {
  const c: Obj = isObj(context) ? context : {};
  const failure = isObj(c.lastEmitFailure) ? str(c.lastEmitFailure.message) : null;
  return {
    primaryState: typeof value === 'string' ? value : JSON.stringify(value ?? null),
    claimPermission: str(c.claimPermission),
    degradationReasons: Array.isArray(c.degradationReasons) ? c.degradationReasons.map(String) : [],
    transitionCount: num(c.transitionCount),
    emitFailures: num(c.emitFailures),
    lastEmitFailure: failure,
    opstate: str(c.claimPermission) !== null && Array.isArray(c.degradationReasons),
    raw: context ?? null,
  };
}

/** Folds one record into the model; records must come in recorder order. */
export function applyRecord(model: Model, record: InspectorRecord): void {
  model.records += 1;
  switch (record.type) {
    case '@xstate.actor': {
      if (record.parentId !== undefined && record.parentId !== null) return;
      if (model.rootSession !== null && model.rootSession !== record.sessionId && model.frames.length > 0)
        return;
      model.rootSession = record.sessionId;
      if (record.definition !== undefined) model.chart = parseChart(record.definition);
      if (model.frames.length === 0 && record.snapshot.value !== undefined) {
        // A late attach: the actor's state when recording began is the first frame.
        const context = contextView(record.snapshot.value, record.snapshot.context);
        model.frames.push({ value: record.snapshot.value, context, taken: null });
        model.lastN = context.transitionCount ?? 0;
        model.rows.push(
          row(model, 'start', Number(record.createdAt), 'attached', null, context.primaryState),
        );
      }
      return;
    }
    case '@xstate.microstep': {
      if (record.sessionId !== model.rootSession) return;
      for (const t of record.transitions) {
        const guard = describeGuard(t.guard as Parameters<typeof describeGuard>[0]);
        if (guard !== null) model.micro.guards.push(guard);
        const source = t.source.split('.').slice(1).join('.');
        if (source !== '' && t.eventType !== '') model.micro.taken = `${source}|${t.eventType}`;
      }
      return;
    }
    case '@xstate.event': {
      // The chart's request to its emit service: the emit is queued until its outcome arrives.
      const transition = record.event.transition;
      if (record.event.type === 'EMIT' && isObj(transition) && typeof transition.n === 'number') {
        model.requested.add(transition.n);
      }
      return;
    }
    case '@opstate.emit': {
      model.emits.set(record.transition.n, record);
      const at = Number(record.createdAt);
      if (!record.ok) {
        model.emitHealth = {
          failedAt: at,
          message: record.error?.message ?? 'emit failed',
          recoveredAt: null,
        };
      } else if (model.emitHealth.failedAt !== null && model.emitHealth.recoveredAt === null) {
        model.emitHealth = { ...model.emitHealth, recoveredAt: at };
      }
      return;
    }
    case '@xstate.snapshot': {
      if (record.sessionId !== model.rootSession) return;
      const snap = record.snapshot;
      const context = contextView(snap.value, snap.context);
      const ctx = isObj(snap.context) ? snap.context : {};
      const last = isObj(ctx.lastTransition) ? ctx.lastTransition : null;
      const n = last !== null ? num(last.n) : null;
      const createdAt = Number(record.createdAt);
      model.frames.push({ value: snap.value ?? null, context, taken: null });
      if (record.event.type === 'xstate.init') {
        // A runtime started from the chain (or a persisted snapshot) begins with transitions behind it.
        const resumed = context.transitionCount !== null && context.transitionCount > 0;
        model.rows.push({
          ...row(model, 'start', createdAt, 'xstate.init', null, context.primaryState),
          detail: resumed
            ? `restart: resumed in ${context.primaryState} (numbering continues after #${context.transitionCount})`
            : null,
        });
      } else if (last !== null && n !== null && n > model.lastN) {
        model.lastN = n;
        model.frames[model.frames.length - 1] = {
          value: snap.value ?? null,
          context,
          taken: model.micro.taken,
        };
        model.rows.push({
          frame: model.frames.length - 1,
          kind: 'transition',
          createdAt,
          eventType: record.event.type,
          from: str(last.from),
          to: str(last.to) ?? context.primaryState,
          trigger: str(last.trigger),
          guards: model.micro.guards,
          literal: str(last.literal),
          n,
          detail: null,
        });
      } else {
        const e = record.event;
        const detail = typeof e.message === 'string' ? e.message : null;
        // A failure the actor was told of (also when no emit record reaches the page) stands until an append lands.
        if (e.type === 'EMIT_FAILED') {
          model.emitHealth = { failedAt: createdAt, message: detail ?? 'emit failed', recoveredAt: null };
        }
        model.rows.push({ ...row(model, 'event', createdAt, e.type, null, context.primaryState), detail });
      }
      model.micro = { guards: [], taken: null };
      return;
    }
    default:
      return;
  }
}

function row(
  model: Model,
  kind: Row['kind'],
  createdAt: number,
  eventType: string,
  from: string | null,
  to: string,
): Row {
  return {
    frame: model.frames.length - 1,
    kind,
    createdAt,
    eventType,
    from,
    to,
    trigger: null,
    guards: [],
    literal: null,
    n: null,
    detail: null,
  };
}

export function emitView(model: Model, n: number | null): EmitView {
  if (n === null) return { status: 'none' };
  const e = model.emits.get(n);
  if (e !== undefined) {
    return e.ok
      ? { status: 'appended', appended: e.appended }
      : { status: 'failed', error: e.error?.message ?? 'emit failed', eventType: e.error?.eventType ?? '?' };
  }
  return model.requested.has(n) ? { status: 'queued', pending: null } : { status: 'none' };
}

/** Emits requested but not yet settled, as of now. */
export function queuedCount(model: Model): number {
  let count = 0;
  for (const n of model.requested) if (!model.emits.has(n)) count += 1;
  return count;
}
