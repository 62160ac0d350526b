import { createRequire } from 'node:module';
import type { AnyNode, parse as momoaParse } from '@humanwhocodes/momoa';

// Loaded on first use (reading a checkpoint, `opstate canonicalize`), not by `import 'opstate'`.
const require = createRequire(import.meta.url);
const parse: typeof momoaParse = (text, options) =>
  (require('@humanwhocodes/momoa') as { parse: typeof momoaParse }).parse(text, options);

/**
 * JSON text that is not plain RFC 8259 JSON, or that names a key twice in one object. `JSON.parse` keeps
 * the last of two equal keys without a word, so a file could show one value to a reader (or a tool that
 * keeps the first) and another to the verifier: anything signed or hashed is read through here instead.
 */
export class StrictJsonError extends Error {
  override readonly name = 'StrictJsonError';
  /** 1-based line and column of the problem, when known. */
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(message: string, at?: { line: number; column: number }) {
    super(at === undefined ? message : `${message} at line ${at.line}, column ${at.column}`);
    this.line = at?.line;
    this.column = at?.column;
  }
}

/**
 * Parses JSON text, refusing duplicate keys (with the key and where it repeats) and anything
 * `JSON.parse` would refuse. The syntax check and the duplicate check come from momoa's parser; the
 * value itself comes from `JSON.parse`, so it is exactly the value every other reader of the text gets.
 */
export function parseStrictJson(text: string): unknown {
  let root: AnyNode;
  try {
    root = parse(text, { mode: 'json' });
  } catch (err) {
    const e = err as { message?: unknown; line?: unknown; column?: unknown };
    const message = String(e.message ?? err)
      .replace(/ \(\d+:\d+\)$/, '')
      .replace(/\.$/, '');
    const at =
      typeof e.line === 'number' && typeof e.column === 'number'
        ? { line: e.line, column: e.column }
        : undefined;
    throw new StrictJsonError(`not JSON: ${message}`, at);
  }
  const duplicate = firstDuplicateKey(root, '$');
  if (duplicate !== null) {
    throw new StrictJsonError(`duplicate key ${JSON.stringify(duplicate.key)} in ${duplicate.path}`, {
      line: duplicate.line,
      column: duplicate.column,
    });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new StrictJsonError(`not JSON: ${(err as Error).message}`);
  }
}

interface Duplicate {
  readonly key: string;
  readonly path: string;
  readonly line: number;
  readonly column: number;
}

// Iterative: a deeply nested file must give an error, not a stack overflow.
function firstDuplicateKey(root: AnyNode, rootPath: string): Duplicate | null {
  const stack: [AnyNode, string][] = [[root, rootPath]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, path] = next;
    if (node.type === 'Document') {
      stack.push([node.body, path]);
    } else if (node.type === 'Object') {
      const seen = new Set<string>();
      for (const member of node.members) {
        const key = member.name.type === 'String' ? member.name.value : member.name.name;
        if (seen.has(key)) {
          return { key, path, line: member.name.loc.start.line, column: member.name.loc.start.column };
        }
        seen.add(key);
      }
      for (let i = node.members.length - 1; i >= 0; i -= 1) {
        const member = node.members[i];
        if (member === undefined) continue;
        const key = member.name.type === 'String' ? member.name.value : member.name.name;
        stack.push([member.value, `${path}.${key}`]);
      }
    } else if (node.type === 'Array') {
      for (let i = node.elements.length - 1; i >= 0; i -= 1) {
        const element = node.elements[i];
        if (element !== undefined) stack.push([element.value, `${path}[${i}]`]);
      }
    }
  }
  return null;
}
