/*
 * The public .d.ts must not mention better-sqlite3's types: a consumer without @types/better-sqlite3
 * (it is a dev dependency here) must compile. Emits the declarations in memory and walks every file
 * reachable from the declarations of every entry in package.json's exports.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');

it('no declaration reachable from an entry point refers to better-sqlite3', () => {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.build.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => {},
    },
  );
  if (config === undefined) throw new Error('cannot read tsconfig.build.json');
  const outDir = join(root, 'virtual-dist');
  const program = ts.createProgram(config.fileNames, {
    ...config.options,
    outDir,
    declaration: true,
    emitDeclarationOnly: true,
    noEmit: false,
  });
  const files = new Map<string, string>();
  program.emit(undefined, (name, text) => files.set(resolve(name), text));
  const seen = new Set<string>();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { types: string }>;
  };
  const queue = Object.values(pkg.exports)
    .filter((e): e is { types: string } => typeof e !== 'string')
    .map((e) => join(outDir, e.types.replace(/^\.\/dist\//, '')));
  expect(queue.length).toBeGreaterThan(5);
  const offenders: string[] = [];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = files.get(file);
    expect(text, `${file} was emitted`).toBeDefined();
    if (/['"]better-sqlite3['"]/.test(text ?? '')) offenders.push(file);
    for (const m of (text ?? '').matchAll(/from\s+['"](\.{1,2}\/[^'"]+)\.js['"]/g)) {
      queue.push(resolve(dirname(file), `${m[1]}.d.ts`));
    }
  }
  expect(seen.size).toBeGreaterThan(10);
  expect([...seen].some((f) => f.endsWith('sqlite-store.d.ts'))).toBe(true);
  expect(offenders).toStrictEqual([]);
}, 120_000);
