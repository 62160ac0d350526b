/*
 * The inspector's record stream: Stately's wire format (`StatelyInspectionEvent` of @statelyai/inspect
 * 0.7.2) for actors, events and snapshots, plus the microsteps and actions Stately drops (they show which
 * guard chose which literal) and opstate's own emit outcomes. One record is one JSONL line of a trace.
 * Types only: the browser page imports this file too.
 */

/** The `_version` Stately's receivers check for; we mirror the wire format of this release. */
export const STATELY_WIRE_VERSION = '0.7.2';

/** JSON as the recorder produces it: depth-limited, cycle-free, functions and actor refs replaced. */
export type JsonLike = null | boolean | number | string | JsonLike[] | { [key: string]: JsonLike };

interface RecordBase {
  /** Unique within the recorder, increasing: `"<recorder>-<n>"` order is record order. */
  readonly id: string;
  readonly rootId: string | undefined;
  readonly sessionId: string;
  /** Milliseconds since the epoch, as a decimal string (Stately's format). */
  readonly createdAt: string;
  readonly _version: string;
}

/** The parts of an XState snapshot worth showing, serialized. */
export interface InspectedSnapshotRecord {
  readonly status?: string;
  readonly value?: JsonLike;
  readonly context?: JsonLike;
  readonly output?: JsonLike;
  readonly error?: JsonLike;
  readonly children?: JsonLike;
  readonly tags?: readonly string[];
}

export interface ActorRecord extends RecordBase {
  readonly type: '@xstate.actor';
  readonly name: string;
  /** The machine config as a JSON string (functions become `{ type: name }`), or undefined. */
  readonly definition: string | undefined;
  readonly parentId: string | undefined;
  readonly snapshot: InspectedSnapshotRecord;
}

export interface EventRecord extends RecordBase {
  readonly type: '@xstate.event';
  readonly event: { readonly type: string; readonly [key: string]: JsonLike };
  readonly sourceId: string | undefined;
}

export interface SnapshotRecord extends RecordBase {
  readonly type: '@xstate.snapshot';
  readonly event: { readonly type: string; readonly [key: string]: JsonLike };
  readonly snapshot: InspectedSnapshotRecord;
}

/** One transition XState took in a microstep, reduced to what the chart names. */
export interface TransitionSummary {
  readonly eventType: string;
  /** State node ids, e.g. `operationalState.booting`. */
  readonly source: string;
  readonly targets: readonly string[];
  readonly guard: { readonly type: string; readonly params?: JsonLike } | null;
  readonly actions: readonly { readonly type: string; readonly params?: JsonLike }[];
}

export interface MicrostepRecord extends RecordBase {
  readonly type: '@xstate.microstep';
  readonly event: { readonly type: string; readonly [key: string]: JsonLike };
  readonly value: JsonLike;
  readonly transitions: readonly TransitionSummary[];
}

export interface ActionRecord extends RecordBase {
  readonly type: '@xstate.action';
  readonly action: { readonly type: string; readonly params?: JsonLike };
}

/** One appended chain event, as the page shows it. */
export interface AppendedSummary {
  readonly seq: number;
  readonly eventType: string;
  /** The first 16 hex digits of the event's hash. */
  readonly hashPrefix: string;
  readonly duplicate: boolean;
}

/** What the emit pipeline did with one transition: appended, or failed with the error. */
export interface EmitRecord extends RecordBase {
  readonly type: '@opstate.emit';
  /** The transition's number (context.lastTransition.n) and what it asked for. */
  readonly transition: {
    readonly n: number;
    readonly from: string;
    readonly to: string;
    readonly trigger: string;
    readonly literal: string | null;
  };
  readonly ok: boolean;
  readonly appended: readonly AppendedSummary[];
  readonly error: { readonly name: string; readonly eventType: string; readonly message: string } | null;
  /** Emits still queued behind this one when it settled (the store is slow or down when this grows). */
  readonly pending: number;
}

export type StatelyRecord = ActorRecord | EventRecord | SnapshotRecord;
export type InspectorRecord = StatelyRecord | MicrostepRecord | ActionRecord | EmitRecord;
export type InspectorRecordType = InspectorRecord['type'];

export const STATELY_RECORD_TYPES: readonly string[] = ['@xstate.actor', '@xstate.event', '@xstate.snapshot'];

/** Messages on the inspector's WebSocket, server → page. */
export type InspectorMessage =
  | { readonly type: 'replay'; readonly records: readonly InspectorRecord[]; readonly dropped: number }
  | { readonly type: 'records'; readonly records: readonly InspectorRecord[] };
