import type { z } from 'zod';
import { chartSchemas } from '../domain/chart-schemas-on-demand.js';
import { MAX_POSTURE_REASONS } from '../domain/chart-schemas.js';
import { isTrigger } from '../domain/trigger.js';
import { isClaimPermission, isDegradationReason } from '../domain/vocabulary.js';
import { OperationalStateInputError } from '../errors.js';
import { CHART_EVENT_TYPES, type OperationalStateEvent } from './events.js';

/**
 * Validates a typed event before it reaches the chart. Throws OperationalStateInputError naming the
 * offending field and value; the chart itself stays total and never sees bad input from the runtime.
 */
export function parseOperationalStateEvent(raw: unknown): OperationalStateEvent {
  if (typeof raw !== 'object' || raw === null) {
    throw new OperationalStateInputError('event', raw, 'expected an object with a `type`');
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string' || !(CHART_EVENT_TYPES as readonly string[]).includes(type)) {
    throw new OperationalStateInputError(
      'event type',
      type,
      `expected one of ${CHART_EVENT_TYPES.join(', ')}`,
    );
  }
  const checked = plainEvent(raw as Record<string, unknown>, type);
  if (checked !== null) return checked;
  const parsed = chartSchemas().ChartEventSchema.safeParse(raw);
  if (!parsed.success) throw inputErrorFrom(parsed.error, raw, 'event');
  return parsed.data;
}

/** What a field the schema would keep as undefined reads as: no written check accepts it. */
const INVALID = Symbol('invalid');
const PAUSE_CAUSES: ReadonlySet<unknown> = new Set(['cost_limit', 'stop_kora', 'operator']);
const POSTURE_KEYS: ReadonlySet<string> = new Set([
  'type',
  'trigger',
  'claimPermission',
  'addReasons',
  'removeReasons',
]);
const PAUSE_KEYS: ReadonlySet<string> = new Set([...POSTURE_KEYS, 'cause']);

/** A copy of `reasons` when it is an array ChartEventSchema accepts, else null. */
function reasonList(reasons: unknown): OperationalStateEvent['addReasons'] | null {
  if (!Array.isArray(reasons) || reasons.length > MAX_POSTURE_REASONS) return null;
  const copy: NonNullable<OperationalStateEvent['addReasons']> = [];
  for (let i = 0; i < reasons.length; i++) {
    const reason: unknown = reasons[i];
    if (!isDegradationReason(reason)) return null;
    copy.push(reason);
  }
  return copy;
}

/**
 * The event as ChartEventSchema would return it (its keys in the schema's order, arrays copied), when it
 * is a plain object every one of whose fields the written checks accept; null for anything else, which
 * then goes to the schema itself, so what is rejected, and its wording, stays the schema's.
 */
function plainEvent(raw: Record<string, unknown>, type: string): OperationalStateEvent | null {
  const proto: unknown = Object.getPrototypeOf(raw);
  if ((proto !== Object.prototype && proto !== null) || Array.isArray(raw)) return null;
  const allowed = type === 'PAUSE' ? PAUSE_KEYS : POSTURE_KEYS;
  for (const key of Object.keys(raw)) if (!allowed.has(key)) return null;
  const out: Record<string, unknown> = { type };
  if (type === 'PAUSE') {
    const cause = fieldOf(raw, 'cause');
    if (cause !== undefined) {
      if (!PAUSE_CAUSES.has(cause)) return null;
      out.cause = cause;
    }
  }
  const trigger = fieldOf(raw, 'trigger');
  if (trigger !== undefined) {
    if (!isTrigger(trigger)) return null;
    out.trigger = trigger;
  }
  const claimPermission = fieldOf(raw, 'claimPermission');
  if (claimPermission !== undefined) {
    if (!isClaimPermission(claimPermission)) return null;
    out.claimPermission = claimPermission;
  }
  for (const key of ['addReasons', 'removeReasons'] as const) {
    const reasons = fieldOf(raw, key);
    if (reasons === undefined) continue;
    const list = reasonList(reasons);
    if (list === null) return null;
    out[key] = list;
  }
  return out as OperationalStateEvent;
}

/** A field's value; an own key holding undefined, which the schema keeps as such, reads as INVALID. */
function fieldOf(raw: Record<string, unknown>, key: string): unknown {
  const value = raw[key];
  return value === undefined && key in raw ? INVALID : value;
}

/** Turns the first zod issue into an OperationalStateInputError naming the field and the value given. */
export function inputErrorFrom(error: z.ZodError, raw: unknown, root: string): OperationalStateInputError {
  const issue = error.issues[0];
  const path = issue?.path ?? [];
  let value: unknown = raw;
  for (const key of path) {
    value =
      typeof value === 'object' && value !== null
        ? (value as Record<PropertyKey, unknown>)[key as PropertyKey]
        : undefined;
  }
  const field = path.length === 0 ? root : path.map(String).join('.');
  let problem = issue?.message ?? 'invalid';
  if (issue?.code === 'unrecognized_keys') problem = `unknown field(s) ${issue.keys.join(', ')}`;
  return new OperationalStateInputError(
    field,
    issue?.code === 'unrecognized_keys' ? issue.keys[0] : value,
    problem,
  );
}
