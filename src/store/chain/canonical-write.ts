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
  // Keys already in order at every level (the runtime builds its payloads so): the engine's own
  // serializer writes the canonical text, flat, in one native call. It escapes U+0000 and a lone
  // surrogate as `\u…` (control characters too, which are fine): text without an escape has neither,
  // and text with one is left to the writing walk.
  if (inOrder(value)) {
    const text = JSON.stringify(value);
    if (!text.includes('\\u')) return text;
  }
  try {
    return write(value, null);
  } catch (err) {
    if (err !== LOOK_CLOSER) throw err;
  }
  return write(value, path);
}

/**
 * True when `JSON.stringify(value)` is the RFC 8785 text, strings aside: every other value in the
 * payload domain beyond doubt and every object's keys, in the order `JSON.stringify` visits them, already
 * in UTF-16 code-unit order. Otherwise false, and the writing walk decides. JCS writes strings and
 * numbers as `JSON.stringify` does; only key order differs, so this checks order and domain and writes
 * nothing. Strings (and keys) are judged afterwards, on the text `JSON.stringify` wrote.
 */
function inOrder(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && (Number.isSafeInteger(value) || !Number.isInteger(value));
    case 'object': {
      if (value === null) return true;
      // `JSON.stringify` would call a `toJSON` (own, or put on a prototype) and write what it returns.
      if ('toJSON' in value) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!inOrder(value[i])) return false;
        return true;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        if (i > 0 && !((keys[i - 1] as string) < key)) return false;
        if (!inOrder(record[key])) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** Thrown by the pathless walk at anything it does not write without looking closer. */
const LOOK_CLOSER = new Error('look closer');

/**
 * One walk, two modes. With `path` null (every ordinary payload) it builds no path strings and throws
 * LOOK_CLOSER at its first doubt; with a path it names the path to what it refuses. A string is examined
 * only when `JSON.stringify` wrote a `\u` escape for it: that is how it writes a lone surrogate and
 * U+0000 (and control characters, which are fine).
 */
function write(value: unknown, path: string | null): string {
  switch (typeof value) {
    case 'string': {
      const json = JSON.stringify(value);
      if (json.includes('\\u')) checkString(value, path);
      return json;
    }
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) refuse(path, (p) => `${p} is ${value}`);
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        refuse(path, (p) => `${p} is an integer beyond 2^53 (${value}); send it as a string`);
      }
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += write(value[i], path === null ? null : `${path}[${i}]`);
        }
        return `${out}]`;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        const name = (proto as { constructor?: { name?: string } } | null)?.constructor?.name;
        refuse(path, (p) => `${p} is a ${name ?? 'non-plain'} object`);
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        const json = JSON.stringify(key);
        if (json.includes('\\u')) checkString(key, path === null ? null : `${path} key ${json}`);
        if (i > 0) out += ',';
        out += `${json}:${write(record[key], path === null ? null : `${path}.${key}`)}`;
      }
      return `${out}}`;
    }
    default:
      return refuse(path, (p) => `${p} is ${typeof value}`);
  }
}

/** Out of the payload domain: a doubt for the pathless walk, an error naming the path for the other. */
function refuse(path: string | null, why: (path: string) => string): never {
  if (path === null) throw LOOK_CLOSER;
  throw new NonJsonValue(why(path));
}

/** Both are valid in a JS string but not storable: JCS refuses lone surrogates, PostgreSQL refuses NUL. */
function checkString(value: string, path: string | null): void {
  if (LONE_SURROGATE.test(value)) refuse(path, (p) => `${p} contains a lone surrogate`);
  if (value.includes('\u0000')) refuse(path, (p) => `${p} contains U+0000, which PostgreSQL cannot store`);
}
