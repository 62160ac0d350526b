import { readFileSync } from 'node:fs';
import canonicalize from 'canonicalize';
import type { Command } from 'commander';
import { LONE_SURROGATE } from '../../domain/trigger.js';
import { parseStrictJson } from '../../util/strict-json.js';
import { UsageError } from '../exit-codes.js';

/**
 * The RFC 8785 (JCS) text of one JSON document: the bytes the chain hashes as a payload, and the bytes a
 * checkpoint's signature covers. Duplicate keys and lone surrogates are refused, since JCS is defined on
 * I-JSON only and either would make two readers disagree on the value.
 */
export function canonicalText(text: string, source: string): string {
  let value: unknown;
  try {
    value = parseStrictJson(text);
  } catch (err) {
    throw new UsageError(`${source}: ${(err as Error).message}`);
  }
  const surrogate = loneSurrogatePath(value, '$');
  if (surrogate !== null) {
    throw new UsageError(
      `${source} holds a lone surrogate at ${surrogate}: not I-JSON, so it has no RFC 8785 form`,
    );
  }
  const canonical = canonicalize(value);
  if (canonical === undefined) throw new UsageError(`${source} has no canonical form`);
  return canonical;
}

function loneSurrogatePath(value: unknown, path: string): string | null {
  const stack: [unknown, string][] = [[value, path]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [v, at] = next;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return at;
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push([item, `${at}[${i}]`]));
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, item] of Object.entries(v)) {
        if (LONE_SURROGATE.test(key)) return `${at} (key ${JSON.stringify(key)})`;
        stack.push([item, `${at}.${key}`]);
      }
    }
  }
  return null;
}

function readSource(file: string | undefined): { text: string; source: string } {
  const fromStdin = file === undefined || file === '-';
  try {
    return fromStdin
      ? { text: readFileSync(0, 'utf8'), source: 'standard input' }
      : { text: readFileSync(file, 'utf8'), source: file };
  } catch (err) {
    throw new UsageError(`cannot read ${fromStdin ? 'standard input' : file}: ${(err as Error).message}`);
  }
}

export function registerCanonicalize(program: Command, write: (text: string) => void): void {
  program
    .command('canonicalize')
    .description(
      'print the RFC 8785 canonical form of one JSON document (a file, or standard input), with no newline',
    )
    .argument('[file]', 'the JSON file; standard input when absent or -')
    .action((file: string | undefined) => {
      const { text, source } = readSource(file);
      // Exactly the canonical bytes, so `| sha256sum` hashes what the chain hashes.
      write(canonicalText(text, source));
    });
}
