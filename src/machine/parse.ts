import type { z } from 'zod';
import { LONE_SURROGATE, MAX_TRIGGER_BYTES } from '../domain/trigger.js';
import { CLAIM_PERMISSIONS, DEGRADATION_REASONS } from '../domain/vocabulary.js';
import { OperationalStateInputError } from '../errors.js';
import { CHART_EVENT_TYPES, ChartEventSchema, type OperationalStateEvent } from './events.js';

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
  const plain = plainEvent(raw, type);
  if (plain !== null) return plain;
  const parsed = ChartEventSchema.safeParse(raw);
  if (!parsed.success) throw inputErrorFrom(parsed.error, raw, 'event');
  return parsed.data;
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

const CLAIMS: ReadonlySet<unknown> = new Set(CLAIM_PERMISSIONS);
const REASONS: ReadonlySet<unknown> = new Set(DEGRADATION_REASONS);
const PAUSE_CAUSES: ReadonlySet<unknown> = new Set(['cost_limit', 'stop_kora', 'operator']);
const MAX_REASONS_PER_EVENT = 64;

/**
 * The common case without zod: a plain object whose every field is present, of the schema's type and
 * plainly valid. Returns what `ChartEventSchema` would (a fresh object, fields in the schema's order),
 * or null for anything else, which then goes through the schema and its error wording. Every send
 * validates its event, and the schema's walk was a tenth of a transition's cost.
 */
function plainEvent(raw: object, type: string): OperationalStateEvent | null {
  const proto: unknown = Object.getPrototypeOf(raw);
  if (proto !== Object.prototype && proto !== null) return null;
  const e = raw as Record<string, unknown>;
  let fields = 1;
  const out: Record<string, unknown> = { type };
  // Each field read once: a getter must not pass the check with one value and give the event another.
  if (type === 'PAUSE' && 'cause' in e) {
    const cause = e.cause;
    if (!PAUSE_CAUSES.has(cause)) return null;
    out.cause = cause;
    fields += 1;
  }
  if ('trigger' in e) {
    const trigger = e.trigger;
    if (!isPlainTrigger(trigger)) return null;
    out.trigger = trigger;
    fields += 1;
  }
  if ('claimPermission' in e) {
    const claim = e.claimPermission;
    if (!CLAIMS.has(claim)) return null;
    out.claimPermission = claim;
    fields += 1;
  }
  for (const key of ['addReasons', 'removeReasons'] as const) {
    if (!(key in e)) continue;
    const reasons = plainReasons(e[key]);
    if (reasons === null) return null;
    out[key] = reasons;
    fields += 1;
  }
  // Any other own field (an unknown key, or one inherited through a null prototype) is the schema's to name.
  if (Object.keys(e).length !== fields) return null;
  return out as OperationalStateEvent;
}

function isPlainTrigger(t: unknown): boolean {
  return (
    typeof t === 'string' &&
    t.length > 0 &&
    t.length * 3 <= MAX_TRIGGER_BYTES &&
    !t.includes('\u0000') &&
    !LONE_SURROGATE.test(t)
  );
}

function plainReasons(value: unknown): unknown[] | null {
  if (!Array.isArray(value) || value.length > MAX_REASONS_PER_EVENT) return null;
  const copy: unknown[] = [];
  for (let i = 0; i < value.length; i++) {
    if (!REASONS.has(value[i])) return null;
    copy.push(value[i]);
  }
  return copy;
}
