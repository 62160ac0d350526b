import { isPrimaryState, PRIMARY_STATES, type PrimaryState } from '../domain/vocabulary.js';
import { OperationalStateInputError } from '../errors.js';
import type { OperationalStateEventType } from './events.js';
import { operationalStateMachine, type TransitionRowMeta } from './machine.js';

/** One row of the R4.1 §9.1 transition table, read from the chart. */
export interface TransitionRow {
  /** The row's number in the original table (1–15). */
  readonly row: number;
  readonly from: PrimaryState;
  readonly to: PrimaryState;
  /** The typed event that takes this row. */
  readonly event: OperationalStateEventType;
  /** The table's trigger wording (human-readable; the literal guards match on substrings of triggers). */
  readonly trigger: string;
  /** The table's guard wording, or null. Documentation: the chart's executable guards are the literal ones. */
  readonly guard: string | null;
  readonly recoveryOwner: string | null;
}

function isRowMeta(meta: unknown): meta is TransitionRowMeta {
  return typeof meta === 'object' && meta !== null && typeof (meta as { row?: unknown }).row === 'number';
}

/** A state name read out of the chart, which only ever names PRIMARY_STATES. */
function chartState(key: string): PrimaryState {
  if (!isPrimaryState(key)) throw new Error(`chart names an unknown state ${JSON.stringify(key)}`);
  return key;
}

/** Reads the rows out of the chart: every transition carrying row meta, de-duplicated, in table order. */
function deriveTable(): readonly TransitionRow[] {
  const byRow = new Map<number, TransitionRow>();
  for (const [key, node] of Object.entries(operationalStateMachine.root.states)) {
    const from = chartState(key);
    for (const [eventType, definitions] of node.transitions) {
      for (const t of definitions) {
        if (!isRowMeta(t.meta)) continue;
        const to = chartState(t.target?.[0]?.key ?? from);
        const derived: TransitionRow = Object.freeze({
          row: t.meta.row,
          from,
          to,
          event: eventType as OperationalStateEventType,
          trigger: t.meta.trigger,
          guard: t.meta.guard,
          recoveryOwner: t.meta.recoveryOwner,
        });
        const seen = byRow.get(derived.row);
        // A row's guarded alternatives must agree on everything but the literal.
        if (seen !== undefined && (seen.from !== from || seen.to !== to || seen.event !== derived.event)) {
          throw new Error(`chart defines table row ${derived.row} twice with different endpoints`);
        }
        byRow.set(derived.row, derived);
      }
    }
  }
  return Object.freeze([...byRow.values()].sort((a, b) => a.row - b.row));
}

/** The §9.1 table, derived from the chart's transition `meta`; the chart is the only place it is written. */
export const TRANSITION_TABLE: readonly TransitionRow[] = deriveTable();

function assertState(value: unknown, field: string): PrimaryState {
  if (!isPrimaryState(value)) {
    throw new OperationalStateInputError(field, value, `expected one of ${PRIMARY_STATES.join(', ')}`);
  }
  return value;
}

/** True if some table row goes from `from` to `to`. Same-state posture updates are not rows. */
export function isValidTransition(from: PrimaryState, to: PrimaryState): boolean {
  const f = assertState(from, 'from');
  const t = assertState(to, 'to');
  return TRANSITION_TABLE.some((r) => r.from === f && r.to === t);
}

/** The rows leaving `state`, in table order. */
export function transitionsFrom(state: PrimaryState): readonly TransitionRow[] {
  const s = assertState(state, 'state');
  return TRANSITION_TABLE.filter((r) => r.from === s);
}

/** The rows entering `state`, in table order. */
export function transitionsTo(state: PrimaryState): readonly TransitionRow[] {
  const s = assertState(state, 'state');
  return TRANSITION_TABLE.filter((r) => r.to === s);
}

/**
 * The typed event `transitionTo(to)` sends from `from`: the first table row for the pair, or
 * UPDATE_POSTURE for a same-state update; null when the chart has no way from `from` to `to`.
 */
export function eventForPair(from: PrimaryState, to: PrimaryState): OperationalStateEventType | null {
  if (from === 'stopped') return null;
  const rowForPair = TRANSITION_TABLE.find((r) => r.from === from && r.to === to);
  if (rowForPair !== undefined) return rowForPair.event;
  return from === to ? 'UPDATE_POSTURE' : null;
}
