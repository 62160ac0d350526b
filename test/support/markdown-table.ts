import { readFileSync } from 'node:fs';

/**
 * The rows of the first Markdown table in `file` whose header starts with `firstHeader`, as
 * header → cell text (backticks kept).
 */
export function markdownTable(file: string, firstHeader: string): Record<string, string>[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim());
  const start = lines.findIndex((l) => l.startsWith('|') && cells(l)[0] === firstHeader);
  if (start < 0) throw new Error(`no table headed ${firstHeader} in ${file}`);
  const header = cells(lines[start] as string);
  const rows: Record<string, string>[] = [];
  for (let i = start + 2; i < lines.length && (lines[i] as string).startsWith('|'); i += 1) {
    const row = cells(lines[i] as string);
    rows.push(Object.fromEntries(header.map((h, j) => [h, row[j] ?? ''])));
  }
  return rows;
}

/** `` `a`, `b` `` → ['a', 'b']. */
export function codeList(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
}
