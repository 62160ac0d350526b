/**
 * Triggers are free text, but bounded: they land in every payload and in the history ring. (A UTF-16
 * code unit is at most 3 UTF-8 bytes, so short strings skip the encoding.)
 */
export const MAX_TRIGGER_BYTES = 4096;

const utf8 = new TextEncoder();
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The UTF-8 length of `s`, in bytes. */
export function utf8Length(s: string): number {
  return utf8.encode(s).length;
}

/** True when `value` is a trigger TriggerSchema accepts: the written form of its checks, in its order. */
export function isTrigger(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    !LONE_SURROGATE.test(value) &&
    !value.includes('\u0000') &&
    (value.length * 3 <= MAX_TRIGGER_BYTES || utf8Length(value) <= MAX_TRIGGER_BYTES)
  );
}

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
