import { readFileSync } from 'node:fs';

/**
 * A TypeScript block of README.md. Its fence is ```ts, or ```ts runnable for a block the tests also
 * run. A first line `// Needs: npm install [-D] <packages>` names what the reader installs besides opstate
 * for this block; nothing else may be assumed: every block compiles as it stands.
 */
export interface Snippet {
  /** 1-based line of the opening fence in README.md. */
  readonly line: number;
  readonly code: string;
  readonly runnable: boolean;
  /** Packages from the block's `// Needs:` line. */
  readonly needs: readonly string[];
}

const FENCE = /^```(ts|typescript)((?:\s+\S+)*)\s*$/;

export function readmeSnippets(file: string): Snippet[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] as string);
    if (open === null) continue;
    const flags = (open[2] ?? '').trim().split(/\s+/).filter(Boolean);
    const unknown = flags.filter((f) => f !== 'runnable');
    if (unknown.length > 0) throw new Error(`README.md:${i + 1}: unknown fence flag ${unknown.join(' ')}`);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^```\s*$/.test(lines[j] as string); j++) body.push(lines[j] as string);
    if (j === lines.length) throw new Error(`README.md:${i + 1}: unclosed code block`);
    const needsLine = /^\/\/ Needs: npm install (?:-D )?(.+)$/.exec(body[0] ?? '');
    snippets.push({
      line: i + 1,
      code: `${body.join('\n')}\n`,
      runnable: flags.includes('runnable'),
      needs: needsLine === null ? [] : (needsLine[1] as string).trim().split(/\s+/),
    });
    i = j;
  }
  return snippets;
}
