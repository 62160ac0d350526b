import type { PrimaryState, TriggerLiteral } from '../domain/vocabulary.js';
import { PrimaryStateSchema } from '../machine/schemas.js';
import type { OperationalStateEventType } from '../machine/events.js';
import { operationalStateMachine } from '../machine/machine.js';

/** A guard as written in the chart: a named, parameterized guard is plain data. */
export interface ChartGuard {
  readonly type: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** One guarded alternative of one event in one state: the unit the literal vocabulary is made of. */
export interface VocabularyRow {
  readonly source: PrimaryState;
  readonly eventType: OperationalStateEventType;
  /** Position among the event's alternatives in this state; earlier alternatives are tried first. */
  readonly branch: number;
  /** Null for the unguarded fallback. */
  readonly guard: ChartGuard | null;
  /** The state the alternative leads to (the source itself for a same-state transition). */
  readonly target: PrimaryState;
  /** The per-trigger literal this alternative appends after the generic event, if any. */
  readonly literal: TriggerLiteral | null;
  /** The R4.1 §9.1 table row it encodes, or null for same-state posture updates. */
  readonly tableRow: number | null;
}

interface ActionLike {
  readonly type?: unknown;
  readonly params?: unknown;
}

function literalOf(actions: readonly unknown[]): TriggerLiteral | null {
  for (const action of actions) {
    const a = action as ActionLike;
    if (a?.type === 'commitTransition' && typeof a.params === 'object' && a.params !== null) {
      return ((a.params as { literal?: TriggerLiteral | null }).literal ?? null) as TriggerLiteral | null;
    }
  }
  return null;
}

function guardOf(guard: unknown): ChartGuard | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return { type: guard, params: {} };
  if (typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') {
    const g = guard as { type: string; params?: Record<string, unknown> };
    return { type: g.type, params: g.params ?? {} };
  }
  // An inline closure: opaque by nature. The chart has none; report it rather than hide it.
  return { type: '(inline function)', params: {} };
}

/**
 * The chart's vocabulary, read statically from its definition: every (state, event, guarded alternative)
 * with its guard, target and literal. Nothing here is a hand-kept list: a new guard, state or literal
 * in the chart shows up as a new row.
 */
export function chartVocabulary(machine = operationalStateMachine): readonly VocabularyRow[] {
  const rows: VocabularyRow[] = [];
  for (const [key, node] of Object.entries(machine.root.states)) {
    const source = PrimaryStateSchema.parse(key);
    for (const [eventType, definitions] of node.transitions) {
      definitions.forEach((t, branch) => {
        rows.push({
          source,
          eventType: eventType as OperationalStateEventType,
          branch,
          guard: guardOf(t.guard),
          target: PrimaryStateSchema.parse(t.target?.[0]?.key ?? source),
          literal: literalOf(t.actions as readonly unknown[]),
          tableRow: (t.meta as { row?: number } | undefined)?.row ?? null,
        });
      });
    }
  }
  return rows;
}

/** A short human label for a row's guard, e.g. `triggerContains("cost 100%")`. */
export function describeGuard(guard: ChartGuard | null): string {
  if (guard === null) return 'otherwise';
  const params = Object.values(guard.params);
  return `${guard.type}(${params.map((p) => JSON.stringify(p)).join(', ')})`;
}
