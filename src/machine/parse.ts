import type { z } from 'zod';
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
