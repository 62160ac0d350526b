import { LONE_SURROGATE } from '../../domain/trigger.js';

/**
 * A value outside the payload domain, with the path to it; `canonicalPayload` turns it into the
 * store's `invalid_input` error.
 */
export class NonJsonValue extends Error {}

/**
 * RFC 8785 (JCS) text of a JSON object, written by a walk that also checks the payload domain, instead of a
 * checking walk and then the canonicalize library's walk. Output is what the library writes for every
 * value this accepts: keys in UTF-16 code-unit order (`Array.prototype.sort`), strings and numbers as
 * ECMAScript `JSON.stringify` writes them. Refused, with the path: non-finite numbers, integers beyond
 * 2^53, lone surrogates, U+0000, non-plain objects, and anything that is not JSON (undefined, functions,
 * symbols, bigints, array holes).
 *
 * Ordinary payloads take a walk that builds no paths; only one it is unsure of is walked again, naming
 * the path to what it refuses.
 */
export function writeCanonical(value: unknown, path: string): string {
  try {
    return writeUnchecked(value);
  } catch (err) {
    if (err !== LOOK_CLOSER) throw err;
  }
  return writeChecked(value, path);
}

/** Thrown by the fast walk at anything it does not write without looking closer. */
const LOOK_CLOSER = new Error('look closer');

/**
 * The walk every ordinary payload takes: no path strings, and a string is examined only when
 * `JSON.stringify` wrote a `\u` escape for it (how it writes a lone surrogate and U+0000, and control
 * characters, which are fine). Anything else it is unsure of sends the payload to `writeChecked`.
 */
function writeUnchecked(value: unknown): string {
  switch (typeof value) {
    case 'string': {
      const json = JSON.stringify(value);
      if (json.includes('\\u') && refused(value)) throw LOOK_CLOSER;
      return json;
    }
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) {
        throw LOOK_CLOSER;
      }
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += writeUnchecked(value[i]);
        }
        return `${out}]`;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw LOOK_CLOSER;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        const json = JSON.stringify(key);
        if (json.includes('\\u') && refused(key)) throw LOOK_CLOSER;
        if (i > 0) out += ',';
        out += `${json}:${writeUnchecked(record[key])}`;
      }
      return `${out}}`;
    }
    default:
      throw LOOK_CLOSER;
  }
}

/** The walk that names the path to a value it refuses. */
function writeChecked(value: unknown, path: string): string {
  switch (typeof value) {
    case 'string':
      checkString(value, path);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new NonJsonValue(`${path} is ${value}`);
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        throw new NonJsonValue(`${path} is an integer beyond 2^53 (${value}); send it as a string`);
      }
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += writeChecked(value[i], `${path}[${i}]`);
        }
        return `${out}]`;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        const name = (proto as { constructor?: { name?: string } } | null)?.constructor?.name;
        throw new NonJsonValue(`${path} is a ${name ?? 'non-plain'} object`);
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        checkString(key, `${path} key ${JSON.stringify(key)}`);
        if (i > 0) out += ',';
        out += `${JSON.stringify(key)}:${writeChecked(record[key], `${path}.${key}`)}`;
      }
      return `${out}}`;
    }
    default:
      throw new NonJsonValue(`${path} is ${typeof value}`);
  }
}

/** Both are valid in a JS string but not storable: JCS refuses lone surrogates, PostgreSQL refuses NUL. */
function refused(value: string): boolean {
  return LONE_SURROGATE.test(value) || value.includes('\u0000');
}

/** The same check, naming the path. */
function checkString(value: string, path: string): void {
  if (LONE_SURROGATE.test(value)) throw new NonJsonValue(`${path} contains a lone surrogate`);
  if (value.includes('\u0000'))
    throw new NonJsonValue(`${path} contains U+0000, which PostgreSQL cannot store`);
}
