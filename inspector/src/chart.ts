/** The chart as the page draws it, read from an `@xstate.actor` record's `definition` JSON. */

export interface ChartNode {
  readonly id: string;
  readonly label: string;
  readonly final: boolean;
  readonly initial: boolean;
}

export interface ChartEdge {
  /** Stable across frames: `source|target|events`. */
  readonly key: string;
  readonly source: string;
  readonly target: string;
  readonly events: readonly string[];
  /** Per event: its name, then each guarded alternative's guard, params and literal. */
  readonly lines: readonly LabelLine[];
  /** Table wording from transition meta, for the tooltip. */
  readonly title: string;
}

export interface LabelLine {
  readonly kind: 'event' | 'guard' | 'literal';
  readonly text: string;
}

export interface Chart {
  readonly id: string;
  readonly nodes: readonly ChartNode[];
  readonly edges: readonly ChartEdge[];
  /** Root-level handlers (any state), e.g. EMIT_FAILED. */
  readonly global: readonly string[];
  /** `source|event` → edge key: how a taken transition finds its edge. */
  readonly edgeOf: ReadonlyMap<string, string>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `triggerContains(text: "cost 100%")`: a guard with its params, as the label shows it. */
export function describeGuard(guard: Json | undefined): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (!isObj(guard)) return JSON.stringify(guard);
  const type = typeof guard.type === 'string' ? guard.type : '?';
  const params = guard.params;
  if (!isObj(params)) return type;
  const args = Object.entries(params).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  return `${type}(${args.join(', ')})`;
}

/** The chain literal an alternative commits, read from its commitTransition action's params. */
function literalOf(actions: Json | undefined): string | null {
  const list = Array.isArray(actions) ? actions : actions === undefined ? [] : [actions];
  for (const a of list) {
    if (isObj(a) && isObj(a.params) && typeof a.params.literal === 'string') return a.params.literal;
  }
  return null;
}

function guardName(guard: Json): string {
  if (isObj(guard)) return typeof guard.type === 'string' ? guard.type : '?';
  return typeof guard === 'string' ? guard : JSON.stringify(guard);
}

function guardParams(guard: Json): string[] {
  if (!isObj(guard) || !isObj(guard.params)) return [];
  return Object.entries(guard.params).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
}

export function parseChart(definition: string): Chart | null {
  let root: Json;
  try {
    root = JSON.parse(definition) as Json;
  } catch {
    return null;
  }
  if (!isObj(root) || !isObj(root.states)) return null;
  const rootId = typeof root.id === 'string' ? root.id : 'machine';
  const nodes: ChartNode[] = [];
  // Per state pair, per event: the guarded alternatives (guard line, literal line) the event has there.
  const grouped = new Map<
    string,
    { source: string; target: string; events: Map<string, LabelLine[]>; titles: string[] }
  >();
  const edgeOf = new Map<string, string>();

  const walk = (states: Obj, parentPath: string, initial: Json | undefined) => {
    for (const [key, def] of Object.entries(states)) {
      if (!isObj(def)) continue;
      const id = parentPath === '' ? key : `${parentPath}.${key}`;
      nodes.push({ id, label: key, final: def.type === 'final', initial: initial === key });
      for (const [event, spec] of transitionsOf(def)) {
        for (const alt of alternativesOf(spec)) {
          const target = alt.target === null ? id : resolveTarget(alt.target, parentPath, id);
          // One edge per state pair, every event on it listed: parallel edges make the chart unreadable.
          const groupKey = `${id}|${target}`;
          let group = grouped.get(groupKey);
          if (group === undefined) {
            group = { source: id, target, events: new Map(), titles: [] };
            grouped.set(groupKey, group);
          }
          const details = group.events.get(event) ?? [];
          group.events.set(event, details);
          const literal = literalOf(alt.actions);
          if (alt.guard !== undefined && alt.guard !== null) {
            const params = guardParams(alt.guard);
            const text = `if ${guardName(alt.guard)}${params.length > 0 ? `(${params.join(', ')})` : ''}`;
            details.push({ kind: 'guard', text });
          }
          // The unguarded fallback of a guarded pair adds nothing to read: it is "otherwise, no literal".
          if (literal !== null) details.push({ kind: 'literal', text: `⇒ ${literal}` });
          if (isObj(alt.meta)) {
            const m = alt.meta;
            group.titles.push(
              `${event}: ${String(m.trigger ?? '')}${typeof m.guard === 'string' ? `; guard: ${m.guard}` : ''}${typeof m.recoveryOwner === 'string' ? `; recovery: ${m.recoveryOwner}` : ''}`,
            );
          }
          edgeOf.set(`${id}|${event}`, groupKey);
        }
      }
      if (isObj(def.states)) walk(def.states, id, def.initial);
    }
  };
  walk(root.states, '', root.initial);

  const global: string[] = [];
  if (isObj(root.on)) {
    for (const [event, spec] of Object.entries(root.on)) {
      const actions = isObj(spec) ? spec.actions : undefined;
      global.push(`${event} → ${typeof actions === 'string' ? actions : JSON.stringify(actions ?? null)}`);
    }
  }
  if (isObj(root.invoke)) {
    global.push(`invokes ${String(root.invoke.src ?? '?')} as "${String(root.invoke.id ?? '?')}"`);
  }
  const edges = [...grouped.entries()].map(([key, g]) => ({
    key,
    source: g.source,
    target: g.target,
    events: [...g.events.keys()],
    lines: labelLines(g.events),
    title: [...new Set(g.titles)].join('\n'),
  }));
  return { id: rootId, nodes, edges, global, edgeOf };
}

/**
 * Events whose guards and literals are the same share one line (`BOOT_FAILED, STOP`), then those
 * guards and literals once: a short label is one the layout can keep clear of every line.
 */
function labelLines(events: ReadonlyMap<string, LabelLine[]>): LabelLine[] {
  const bySignature = new Map<string, { names: string[]; details: LabelLine[] }>();
  for (const [event, details] of events) {
    const signature = JSON.stringify(details);
    const entry = bySignature.get(signature);
    if (entry === undefined) bySignature.set(signature, { names: [event], details });
    else entry.names.push(event);
  }
  return [...bySignature.values()].flatMap(({ names, details }) => [
    { kind: 'event' as const, text: names.join(', ') },
    ...details,
  ]);
}

/**
 * Every transition a state node declares, in each form XState accepts: `on` (keyed by event), `always`
 * (eventless) and `after` (keyed by delay), as (label, spec) pairs.
 */
function transitionsOf(def: Obj): [string, Json][] {
  const out: [string, Json][] = [];
  if (isObj(def.on)) for (const [event, spec] of Object.entries(def.on)) out.push([event, spec]);
  if (def.always !== undefined && def.always !== null) out.push(['always', def.always]);
  if (isObj(def.after)) {
    for (const [delay, spec] of Object.entries(def.after)) {
      out.push([`after ${/^\d+$/.test(delay) ? `${delay} ms` : delay}`, spec]);
    }
  }
  return out;
}

interface Alternative {
  /** The first target as written (`'yellow'`, `'.child'`, `'#id.state'`), or null for a targetless one. */
  readonly target: string | null;
  readonly guard?: Json;
  readonly actions?: Json;
  readonly meta?: Json;
}

/**
 * A transition spec's alternatives, whatever its form: a target string (`TIMER: 'yellow'`), an object
 * (`{ target, guard, actions }`), or an array of either (guarded alternatives, tried in order). A target
 * may itself be an array (its first entry is drawn); none means the state handles the event in place.
 */
function alternativesOf(spec: Json): Alternative[] {
  const list = Array.isArray(spec) ? spec : [spec];
  const out: Alternative[] = [];
  for (const item of list) {
    if (typeof item === 'string') out.push({ target: item });
    else if (isObj(item)) {
      const raw = Array.isArray(item.target) ? item.target[0] : item.target;
      out.push({
        target: typeof raw === 'string' ? raw : null,
        guard: item.guard,
        actions: item.actions,
        meta: item.meta,
      });
    }
  }
  return out;
}

function resolveTarget(target: string, parentPath: string, self: string): string {
  if (target.startsWith('.')) return `${self}${target}`;
  if (target.startsWith('#')) return target.slice(1).split('.').slice(1).join('.') || target.slice(1);
  return parentPath === '' ? target : `${parentPath}.${target}`;
}

/** The state ids active in a snapshot value (`"ready"` or `{ a: "b" }`), deepest paths included. */
export function activeIds(value: Json | undefined, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix === '' ? value : `${prefix}.${value}`];
  if (!isObj(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const id = prefix === '' ? k : `${prefix}.${k}`;
    return [id, ...activeIds(v, id)];
  });
}
