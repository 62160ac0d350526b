import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

/**
 * A TypeScript block of README.md or a page of docs/. Its fence is ```ts, or ```ts runnable for a block the tests also
 * run. A first line `// Needs: npm install [-D] <packages>` names what the reader installs besides opstate
 * for this block; nothing else may be assumed: every block compiles as it stands.
 */
export interface Snippet {
  /** The Markdown file, relative to the repository (`README.md`, `docs/embedding.md`). */
  readonly file: string;
  /** A name for the block usable as a file name: `readme-line-42`, `docs-embedding-line-42`. */
  readonly name: string;
  /** 1-based line of the opening fence in the file. */
  readonly line: number;
  readonly code: string;
  readonly runnable: boolean;
  /** Packages from the block's `// Needs:` line. */
  readonly needs: readonly string[];
}

const FENCE = /^```(ts|typescript)((?:\s+\S+)*)\s*$/;

/** The blocks of README.md and of every Markdown page in docs/, in that order. */
export function documentationSnippets(root: string): Snippet[] {
  const pages = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join(root, 'docs', f));
  return [join(root, 'README.md'), ...pages].flatMap((f) => readmeSnippets(f, root));
}

export function readmeSnippets(path: string, root = join(path, '..')): Snippet[] {
  const file = relative(root, path);
  const stem = file === 'README.md' ? 'readme' : `docs-${basename(file, '.md')}`;
  const lines = readFileSync(path, 'utf8').split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] as string);
    if (open === null) continue;
    const flags = (open[2] ?? '').trim().split(/\s+/).filter(Boolean);
    const unknown = flags.filter((f) => f !== 'runnable');
    if (unknown.length > 0) throw new Error(`${file}:${i + 1}: unknown fence flag ${unknown.join(' ')}`);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^```\s*$/.test(lines[j] as string); j++) body.push(lines[j] as string);
    if (j === lines.length) throw new Error(`${file}:${i + 1}: unclosed code block`);
    const needsLine = /^\/\/ Needs: npm install (?:-D )?(.+)$/.exec(body[0] ?? '');
    snippets.push({
      file,
      name: `${stem}-line-${i + 1}`,
      line: i + 1,
      code: `${body.join('\n')}\n`,
      runnable: flags.includes('runnable'),
      needs: needsLine === null ? [] : (needsLine[1] as string).trim().split(/\s+/),
    });
    i = j;
  }
  return snippets;
}
