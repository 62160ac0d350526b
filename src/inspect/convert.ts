import type { InspectionEvent } from 'xstate';
import type {
  ActorRecord,
  InspectedSnapshotRecord,
  InspectorRecord,
  JsonLike,
  TransitionSummary,
} from './records.js';
import { STATELY_WIRE_VERSION } from './records.js';
import { toJsonLike } from './serialize.js';

/** How records are shaped: depth limit and the redaction hooks, already made total by the recorder. */
export interface ConvertOptions {
  readonly depthLimit: number;
  readonly redactContext: (context: unknown, actorId: string) => unknown;
  readonly redactEvent: (event: { type: string }) => unknown;
  readonly redactInput: (input: unknown) => unknown;
  readonly nextId: () => string;
}

/** What the recorder reads from an actor ref; XState's own types hide `logic` and `_parent`. */
export interface ActorRefShape {
  readonly id: string;
  readonly sessionId: string;
  readonly logic?: unknown;
  readonly _parent?: { readonly sessionId: string } | undefined;
  getSnapshot(): unknown;
}

type EventObject = { readonly type: string; readonly [key: string]: JsonLike };

/**
 * Converts one XState inspection event into a record, or null for kinds the inspector does not keep.
 * Mirrors `convertXStateEvent` of @statelyai/inspect for the three Stately kinds, so either receiver
 * understands the stream.
 */
export function convertInspectionEvent(event: InspectionEvent, o: ConvertOptions): InspectorRecord | null {
  const base = {
    id: o.nextId(),
    rootId: event.rootId,
    sessionId: event.actorRef.sessionId,
    createdAt: String(Date.now()),
    _version: STATELY_WIRE_VERSION,
  };
  switch (event.type) {
    case '@xstate.actor':
      return actorRecord(event.actorRef as unknown as ActorRefShape, base, o);
    case '@xstate.event':
      return {
        ...base,
        type: '@xstate.event',
        event: eventObject(event.event, o),
        sourceId: event.sourceRef?.sessionId,
      };
    case '@xstate.snapshot':
      return {
        ...base,
        type: '@xstate.snapshot',
        event: eventObject(event.event, o),
        snapshot: snapshotRecord(event.snapshot, (event.actorRef as unknown as ActorRefShape).id, o),
      };
    case '@xstate.microstep':
      return {
        ...base,
        type: '@xstate.microstep',
        event: eventObject(event.event, o),
        value: toJsonLike((event.snapshot as { value?: unknown }).value, o.depthLimit),
        transitions: event._transitions.map((t) => transitionSummary(t, o.depthLimit)),
      };
    case '@xstate.action':
      return {
        ...base,
        type: '@xstate.action',
        action: {
          type: String(event.action.type),
          ...(event.action.params !== undefined
            ? { params: toJsonLike(redactParams(event.action.params, o), o.depthLimit) }
            : {}),
        },
      };
    default:
      return null;
  }
}

/** An `@xstate.actor` record for an actor that already exists (late attach, or replay to a new page). */
export function actorRecord(
  actorRef: ActorRefShape,
  base: Omit<ActorRecord, 'type' | 'name' | 'definition' | 'parentId' | 'snapshot'>,
  o: ConvertOptions,
): ActorRecord {
  const config = (actorRef.logic as { config?: unknown } | undefined)?.config;
  const definitionObject = typeof config === 'object' && config !== null ? config : undefined;
  let name = actorRef.id;
  if (name === actorRef.sessionId && definitionObject !== undefined) {
    name = String((definitionObject as { id?: unknown }).id ?? name);
  }
  // The definition is the chart, not agent data: it gets a generous depth so nested states survive.
  // A literal initial context in the config is context too.
  const shown =
    definitionObject !== undefined && typeof (definitionObject as { context?: unknown }).context === 'object'
      ? {
          ...definitionObject,
          context: o.redactContext((definitionObject as { context: unknown }).context, actorRef.id),
        }
      : definitionObject;
  const definition = JSON.stringify(toJsonLike(shown ?? { id: name }, Math.max(o.depthLimit, 32)));
  return {
    ...base,
    type: '@xstate.actor',
    name,
    definition,
    parentId: actorRef._parent?.sessionId,
    // Announced before its first snapshot can be read, the actor is being started: say at least that.
    snapshot: snapshotRecord(readSnapshot(actorRef) ?? { status: 'active' }, actorRef.id, o),
  };
}

/**
 * An actor announces itself before its first snapshot exists; XState's development build throws if it is
 * read then. The `@xstate.snapshot` that follows carries it.
 */
function readSnapshot(actorRef: ActorRefShape): unknown {
  try {
    return actorRef.getSnapshot();
  } catch {
    return undefined;
  }
}

/** `xstate.spawnChild` and friends carry the child's `input` in their params: it is input all the same. */
function redactParams(params: unknown, o: ConvertOptions): unknown {
  if (typeof params === 'object' && params !== null && 'input' in params) {
    return { ...params, input: o.redactInput((params as { input: unknown }).input) };
  }
  return params;
}

function eventObject(event: { type: string }, o: ConvertOptions): EventObject {
  const redacted = toJsonLike(o.redactEvent(event), o.depthLimit);
  if (typeof redacted === 'object' && redacted !== null && !Array.isArray(redacted)) {
    return { ...redacted, type: typeof redacted.type === 'string' ? redacted.type : event.type };
  }
  return { type: event.type };
}

function snapshotRecord(snapshot: unknown, actorId: string, o: ConvertOptions): InspectedSnapshotRecord {
  if (typeof snapshot !== 'object' || snapshot === null) return {};
  const s = snapshot as {
    status?: unknown;
    value?: unknown;
    context?: unknown;
    output?: unknown;
    error?: unknown;
    children?: Record<string, unknown>;
    tags?: Iterable<unknown>;
  };
  const out: {
    -readonly [K in keyof InspectedSnapshotRecord]: InspectedSnapshotRecord[K];
  } = {};
  if (typeof s.status === 'string') out.status = s.status;
  if (s.value !== undefined) out.value = toJsonLike(s.value, o.depthLimit);
  if (s.context !== undefined) out.context = toJsonLike(o.redactContext(s.context, actorId), o.depthLimit);
  if (s.output !== undefined) out.output = toJsonLike(s.output, o.depthLimit);
  if (s.error !== undefined) out.error = toJsonLike(s.error, o.depthLimit);
  if (s.children !== undefined && typeof s.children === 'object') {
    out.children = Object.fromEntries(Object.keys(s.children).map((id) => [id, { xstate$$type: 1, id }]));
  }
  if (s.tags !== undefined && typeof s.tags === 'object') out.tags = [...s.tags].map(String);
  return out;
}

interface TransitionDefinitionLike {
  eventType?: unknown;
  source?: { id?: unknown };
  target?: readonly { id?: unknown }[] | undefined;
  guard?: unknown;
  actions?: readonly unknown[];
}

function transitionSummary(t: unknown, depthLimit: number): TransitionSummary {
  const d = t as TransitionDefinitionLike;
  return {
    eventType: String(d.eventType ?? ''),
    source: String(d.source?.id ?? ''),
    targets: (d.target ?? []).map((n) => String(n.id ?? '')),
    guard: d.guard === undefined || d.guard === null ? null : namedThing(d.guard, depthLimit),
    actions: (d.actions ?? []).map((a) => namedThing(a, depthLimit)),
  };
}

/** Guards and actions are strings, `{ type, params }` objects or functions; name each one. */
function namedThing(x: unknown, depthLimit: number): { type: string; params?: JsonLike } {
  if (typeof x === 'string') return { type: x };
  if (typeof x === 'function') return { type: x.name || 'inline' };
  if (typeof x === 'object' && x !== null) {
    const { type, params } = x as { type?: unknown; params?: unknown };
    const name = typeof type === 'string' ? type : typeof type === 'function' ? type.name || 'inline' : '?';
    return params === undefined || typeof params === 'function'
      ? { type: name }
      : { type: name, params: toJsonLike(params, depthLimit) };
  }
  return { type: String(x) };
}
