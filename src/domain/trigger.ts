import { z } from 'zod';

/**
 * Triggers are free text, but bounded: they land in every payload and in the history ring. (A UTF-16
 * code unit is at most 3 UTF-8 bytes, so short strings skip the encoding.)
 */
export const MAX_TRIGGER_BYTES = 4096;

const utf8 = new TextEncoder();
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const TriggerSchema = z
  .string({ error: 'trigger must be a string' })
  .min(1, { error: 'trigger must not be empty' })
  .refine((s) => !LONE_SURROGATE.test(s), {
    error: 'trigger contains a lone surrogate (not valid Unicode), which cannot be hashed as canonical JSON',
  })
  .refine((s) => !s.includes('\u0000'), { error: 'trigger contains U+0000, which PostgreSQL cannot store' })
  .refine((s) => s.length * 3 <= MAX_TRIGGER_BYTES || utf8.encode(s).length <= MAX_TRIGGER_BYTES, {
    error: (issue) =>
      `trigger is ${utf8.encode(String(issue.input)).length} UTF-8 bytes; the limit is ${MAX_TRIGGER_BYTES}`,
  });

/** A short, printable description of an arbitrary value, for error messages that name the bad input. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') {
    const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    return JSON.stringify(shown) + (value.length > 80 ? ` (${value.length} chars)` : '');
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  try {
    if (Array.isArray(value)) return `array(${value.length})`;
  } catch {
    // A revoked proxy throws even on Array.isArray: describing bad input must not fail.
    return 'an unreadable object (revoked proxy?)';
  }
  return typeof value;
}
