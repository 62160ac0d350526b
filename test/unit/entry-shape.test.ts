/*
 * The root entry is what an embedder needs, small enough to read in one screen; everything else lives
 * in a subpath by use. Counts the names each entry exports (values and types) with the compiler.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { import: string }>;
  sideEffects?: unknown;
};
const sources = Object.fromEntries(
  Object.entries(pkg.exports)
    .filter((e): e is [string, { import: string }] => typeof e[1] !== 'string')
    .map(([subpath, e]) => [
      subpath,
      join(root, e.import.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')),
    ]),
);

function exportedNames(): Map<string, string[]> {
  const program = ts.createProgram(Object.values(sources), {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const names = new Map<string, string[]>();
  for (const [subpath, file] of Object.entries(sources)) {
    const source = program.getSourceFile(file);
    const symbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    names.set(subpath, symbol === undefined ? [] : checker.getExportsOfModule(symbol).map((s) => s.name));
  }
  return names;
}

it('the root entry exports at most 70 names; every subpath exports something; no side effects', () => {
  const names = exportedNames();
  const rootNames = names.get('.') ?? [];
  expect(rootNames.length).toBeGreaterThan(30);
  expect(rootNames.length, rootNames.join(', ')).toBeLessThanOrEqual(70);
  for (const [subpath, list] of names) expect(list.length, subpath).toBeGreaterThan(0);
  expect(pkg.sideEffects).toBe(false);
  console.log(`root entry: ${rootNames.length} names`);
}, 60_000);

it('lists every subpath in docs/entry-points.md', () => {
  const page = readFileSync(join(root, 'docs/entry-points.md'), 'utf8');
  const missing = Object.keys(sources)
    .map((s) => (s === '.' ? 'opstate' : `opstate/${s.slice(2)}`))
    .filter((s) => !page.includes(`\`${s}\``));
  expect(missing).toEqual([]);
});
