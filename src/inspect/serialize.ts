import type { JsonLike } from './records.js';

/** Stand-ins the page shows for what the recorder would not copy. */
export const DEPTH_LIMIT_MARK = '[depth limit]';
export const CIRCULAR_MARK = '[circular]';

/**
 * A JSON-safe copy of `value`, at most `depthLimit` levels deep. Inspection events carry live objects
 * (actor refs, state nodes, functions, a whole context); copying them once, bounded, keeps the ring
 * buffer from pinning them and keeps one huge or cyclic value from costing more than its first levels.
 */
export function toJsonLike(value: unknown, depthLimit: number): JsonLike {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): JsonLike => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        return Number.isFinite(v) ? v : String(v);
      case 'bigint':
        return `${v.toString()}n`;
      case 'undefined':
        return null;
      case 'symbol':
        return v.toString();
      case 'function':
        return { type: v.name || 'anonymous' };
    }
    if (v === null) return null;
    const obj = v as object;
    if (isActorRefLike(obj)) return { xstate$$type: 1, id: obj.id };
    if (depth >= depthLimit) return DEPTH_LIMIT_MARK;
    if (seen.has(obj)) return CIRCULAR_MARK;
    seen.add(obj);
    try {
      if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
      if (obj instanceof Error) return { name: obj.name, message: obj.message };
      if (Array.isArray(obj)) return obj.map((item) => walk(item, depth + 1));
      if (obj instanceof Map)
        return [...obj.entries()].map(([k, item]) => [walk(k, depth + 1), walk(item, depth + 1)]);
      if (obj instanceof Set) return [...obj].map((item) => walk(item, depth + 1));
      const out: { [key: string]: JsonLike } = {};
      for (const key of Object.keys(obj)) {
        out[key] = walk((obj as Record<string, unknown>)[key], depth + 1);
      }
      return out;
    } finally {
      seen.delete(obj);
    }
  };
  return walk(value, 0);
}

function isActorRefLike(v: object): v is { id: string } {
  const r = v as { sessionId?: unknown; send?: unknown; id?: unknown };
  return typeof r.sessionId === 'string' && typeof r.send === 'function' && typeof r.id === 'string';
}
