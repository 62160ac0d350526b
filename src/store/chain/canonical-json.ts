import { LONE_SURROGATE } from '../../domain/trigger.js';
import { ChainStoreError } from '../../errors.js';
import { NonJsonValue, writeCanonical } from './canonical-write.js';
import type { JsonObject } from './types.js';

/**
 * RFC 8785 (JCS) text of a payload: the exact bytes the chain hashes. Values outside the JSON domain are
 * refused up front with the path to them, rather than silently dropped or rounded.
 */
export function canonicalPayload(payload: unknown, eventType?: string): string {
  const context = eventType ? { eventType } : {};
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    const problem = findNonJson(payload, '$');
    if (problem !== null) {
      throw new ChainStoreError('invalid_input', `payload is not canonical JSON: ${problem}`, context);
    }
    throw new ChainStoreError('invalid_input', 'payload must be a JSON object', context);
  }
  try {
    return writeCanonical(payload, '$');
  } catch (err) {
    if (err instanceof NonJsonValue) {
      throw new ChainStoreError('invalid_input', `payload is not canonical JSON: ${err.message}`, context);
    }
    if (err instanceof RangeError) {
      throw new ChainStoreError(
        'invalid_input',
        'payload is not canonical JSON: it is nested too deeply (or circular)',
        {
          ...context,
          cause: err,
        },
      );
    }
    throw err;
  }
}

/** Parses canonical text back into a fresh, deeply frozen object, so stored rows cannot be mutated. */
export function parseCanonical(text: string): JsonObject {
  return deepFreeze(JSON.parse(text)) as JsonObject;
}

function findNonJson(value: unknown, path: string): string | null {
  switch (typeof value) {
    case 'string':
      return stringProblem(value, path);
    case 'boolean':
      return null;
    case 'number':
      if (!Number.isFinite(value)) return `${path} is ${value}`;
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        return `${path} is an integer beyond 2^53 (${value}); send it as a string`;
      }
      return null;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const p = findNonJson(value[i], `${path}[${i}]`);
          if (p !== null) return p;
        }
        return null;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null)
        return `${path} is a ${proto?.constructor?.name ?? 'non-plain'} object`;
      for (const [k, v] of Object.entries(value)) {
        const keyProblem = stringProblem(k, `${path} key ${JSON.stringify(k)}`);
        if (keyProblem !== null) return keyProblem;
        const p = findNonJson(v, `${path}.${k}`);
        if (p !== null) return p;
      }
      return null;
    }
    default:
      return `${path} is ${typeof value}`;
  }
}

/** Both are valid in a JS string but not storable: JCS refuses lone surrogates, PostgreSQL refuses NUL. */
function stringProblem(value: string, path: string): string | null {
  if (LONE_SURROGATE.test(value)) return `${path} contains a lone surrogate`;
  if (value.includes('\u0000')) return `${path} contains U+0000, which PostgreSQL cannot store`;
  return null;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
