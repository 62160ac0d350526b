import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Consumer,
  createConsumer,
  describeError,
  packPackage,
  RESOLUTIONS,
  type Resolution,
  ROOT,
  type TscError,
} from '../support/consumer.js';
import { documentationSnippets } from '../support/readme-snippets.js';

// What a newcomer does in their first hour: `npm pack`, install the tarball into a fresh strict
// TypeScript project, compile against the public declarations under both module resolutions, and follow
// the README's code. Slow (the install compiles better-sqlite3 from source): one install serves every
// test here.

const SETUP_TIMEOUT_MS = 600_000;
const work = mkdtempSync(join(tmpdir(), 'opstate-consumer-'));
let packed: Awaited<ReturnType<typeof packPackage>>;
let consumer: Consumer;
const snippets = documentationSnippets(ROOT);
// Packages a README or docs/ block may say it needs (`// Needs: npm install …`): installed with opstate already
// (xstate), or linked from this repository's devDependencies.
const README_EXTRAS = [
  'xstate',
  'vitest',
  '@statelyai/inspect',
  '@opentelemetry/api',
  '@opentelemetry/sdk-metrics',
];

beforeAll(async () => {
  packed = await packPackage(work);
  consumer = await createConsumer(work, packed.tarball, README_EXTRAS);
}, SETUP_TIMEOUT_MS);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const key = (e: TscError) => `${e.file}(${e.line}) ${e.code}`;
const COMPILE_TIMEOUT_MS = 300_000;

/** One file per README or docs/ block (each must be a module), and one importing every entry point. */
const ENTRIES = Object.keys(
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> })
    .exports,
)
  .filter((subpath) => subpath !== './package.json')
  .map((subpath) => (subpath === '.' ? 'opstate' : `opstate/${subpath.slice(2)}`));
const EVERYTHING = `${ENTRIES.map((e, i) => `import * as entry${i} from '${e}';`).join('\n')}
export const api = [${ENTRIES.map((_, i) => `entry${i}`).join(', ')}];
`;
const sourceFiles = (): Record<string, string> => {
  const files: Record<string, string> = { 'src/everything.ts': EVERYTHING };
  for (const s of snippets) files[`src/${s.name}.ts`] = s.code;
  return files;
};

/**
 * Compiles every source file in one program per resolution, and beside it a file importing only the
 * third-party modules they import (xstate and zod at least) under the same options. Errors in that
 * second program are not ours (xstate 5.33.3's own declarations, for one, do not compile under
 * exactOptionalPropertyTypes) and are subtracted; every other error is, by file.
 */
const compiled = new Map<Resolution, Promise<Map<string, string[]>>>();
function ourErrorsByFile(resolution: Resolution): Promise<Map<string, string[]>> {
  let done = compiled.get(resolution);
  if (done === undefined) {
    done = (async () => {
      const files = sourceFiles();
      const specifiers = new Set(['xstate', 'zod']);
      for (const code of Object.values(files)) {
        for (const m of code.matchAll(/from '([^']+)'/g)) {
          const spec = m[1] as string;
          if (spec !== 'opstate' && !spec.startsWith('opstate/') && !spec.startsWith('.'))
            specifiers.add(spec);
        }
      }
      files['src/baseline.ts'] = [...specifiers]
        .map((s, i) => `import * as m${i} from '${s}';\nexport const u${i} = m${i};`)
        .join('\n');
      mkdirSync(join(consumer.dir, 'src'), { recursive: true });
      for (const [file, code] of Object.entries(files)) writeFileSync(join(consumer.dir, file), code);
      const ours = Object.keys(files).filter((f) => f !== 'src/baseline.ts');
      const errors = await consumer.compile(resolution, ours);
      const baseline = await consumer.compile(resolution, ['src/baseline.ts']);
      const theirs = new Set(baseline.map(key));
      const byFile = new Map<string, string[]>(ours.map((f) => [f, []]));
      for (const e of errors.filter((x) => !theirs.has(key(x)))) {
        // An error in a declaration file belongs to every file that loads it: report it with the API.
        const owner = byFile.has(e.file) ? e.file : 'src/everything.ts';
        byFile.get(owner)?.push(describeError(e));
      }
      return byFile;
    })();
    compiled.set(resolution, done);
  }
  return done;
}

/** Compiles the runnable blocks to JavaScript (one program); returns the script of the block named `name`. */
let emitted: Promise<void> | undefined;
async function emitRunnable(name: string): Promise<string> {
  emitted ??= (async () => {
    const files = snippets.filter((s) => s.runnable).map((s) => `run/${s.name}.ts`);
    mkdirSync(join(consumer.dir, 'run'), { recursive: true });
    for (const s of snippets.filter((x) => x.runnable)) {
      writeFileSync(join(consumer.dir, `run/${s.name}.ts`), s.code);
    }
    // Type errors are the compile tests' to report; tsc emits regardless, and the run shows what breaks.
    await consumer.compile('nodenext', files, { noEmit: false, outDir: 'out', rootDir: '.' });
  })();
  await emitted;
  return join(consumer.dir, 'out/run', `${name}.js`);
}

describe('npm pack', () => {
  it('ships exactly what a consumer needs: compiled code, declarations, the pages, the migrations, the docs', () => {
    const allowed = [
      /^package\.json$/,
      /^README\.md$/,
      /^LICENSE$/,
      // The README's pictures and the pages it links, so its relative links resolve in the installed
      // package too.
      /^docs\/[a-z-]+\.png$/,
      /^docs\/[a-z-]+\.md$/,
      /^dist\/.+\.js$/,
      /^dist\/.+\.d\.ts$/,
      /^dist\/inspector\/(index|cockpit)\.html$/,
      /^dist\/store\/[a-z]+\/migrations\/\d{3}_[a-z0-9_]+\.sql$/,
    ];
    expect(packed.files.filter((f) => !allowed.some((re) => re.test(f)))).toEqual([]);
    // No source maps into src/, which is not shipped.
    expect(packed.files.filter((f) => f.endsWith('.map'))).toEqual([]);
    // The two bundled pages the servers read at run time.
    expect(packed.files).toEqual(
      expect.arrayContaining(['dist/inspector/index.html', 'dist/inspector/cockpit.html']),
    );
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const pictures = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1] as string);
    expect(pictures.length).toBeGreaterThan(0);
    expect(pictures.filter((p) => !packed.files.includes(p))).toEqual([]);
    const pages = [...readme.matchAll(/\]\((docs\/[a-z-]+\.md)(#[^)]*)?\)/g)].map((m) => m[1] as string);
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.filter((p) => !packed.files.includes(p))).toEqual([]);
  });

  it('has every module of src/ compiled with its declarations, and every migration', () => {
    const listed = packed.sources;
    const missing: string[] = [];
    for (const rel of listed) {
      const base = rel.replace(/^src\//, 'dist/');
      const expected = rel.endsWith('.sql')
        ? [base]
        : [base.replace(/\.ts$/, '.js'), base.replace(/\.ts$/, '.d.ts')];
      for (const f of expected) if (!packed.files.includes(f)) missing.push(f);
    }
    expect(listed.length).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });

  it('points every entry of package.json (main, types, exports, bin) at a shipped file', () => {
    const pkg = JSON.parse(readFileSync(join(consumer.dir, 'node_modules/opstate/package.json'), 'utf8')) as {
      main: string;
      types: string;
      bin: Record<string, string>;
      exports: Record<string, string | Record<string, string>>;
    };
    const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin)];
    for (const entry of Object.values(pkg.exports)) {
      targets.push(...(typeof entry === 'string' ? [entry] : Object.values(entry)));
    }
    const missing = targets.map((t) => t.replace(/^\.\//, '')).filter((t) => !packed.files.includes(t));
    expect(missing).toEqual([]);
  });

  it('installs a working `opstate` command', async () => {
    const { stdout } = await consumer.run(process.execPath, ['node_modules/.bin/opstate', 'vocab', '--json']);
    expect(JSON.parse(stdout)).toHaveProperty('seedSql');
  });
});

describe('public declarations in a strict consumer (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess, no skipLibCheck)', () => {
  for (const resolution of Object.keys(RESOLUTIONS) as Resolution[]) {
    it(
      `compiles under moduleResolution ${resolution}`,
      async () => {
        expect((await ourErrorsByFile(resolution)).get('src/everything.ts')).toEqual([]);
      },
      COMPILE_TIMEOUT_MS,
    );
  }

  /** The .d.ts files a consumer's compiler loads: those reachable from the entry points' `types`. */
  function reachableDeclarations(): string[] {
    const root = join(consumer.dir, 'node_modules/opstate');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | { types?: string }>;
    };
    const queue = Object.values(pkg.exports)
      .map((e) => (typeof e === 'string' ? undefined : e.types))
      .filter((t): t is string => t !== undefined)
      .map((t) => posix.normalize(t));
    const seen = new Set<string>();
    while (queue.length > 0) {
      const file = queue.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(join(root, file), 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\()\s*['"](\.{1,2}\/[^'"]+)\.js['"]/g)) {
        queue.push(posix.join(posix.dirname(file), `${m[1] as string}.d.ts`));
      }
    }
    return [...seen];
  }

  it('references only packages it depends on that bring their own types (no @types/* devDependency)', () => {
    expect(reachableDeclarations().length).toBeGreaterThan(10);
    const pkg = JSON.parse(readFileSync(join(consumer.dir, 'node_modules/opstate/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    const depends = (name: string) => name in pkg.dependencies || name in (pkg.peerDependencies ?? {});
    const typed = (name: string) => {
      const at = `@types/${name.replace(/^@/, '').replace('/', '__')}`;
      if (depends(at)) return true;
      const dir = join(consumer.dir, 'node_modules', name);
      if (existsSync(join(dir, 'index.d.ts'))) return true;
      const own = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      return 'types' in own || 'typings' in own || JSON.stringify(own.exports ?? {}).includes('"types"');
    };
    const offenders: string[] = [];
    for (const f of reachableDeclarations()) {
      const text = readFileSync(join(consumer.dir, 'node_modules/opstate', f), 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\()\s*['"]([^'"]+)['"]|reference types="([^"]+)"/g)) {
        const spec = (m[1] ?? m[2]) as string;
        if (spec.startsWith('.') || spec.startsWith('node:') || spec === 'node') continue;
        const parts = spec.split('/');
        const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
        if (!depends(name)) offenders.push(`${f}: ${spec} is not a dependency`);
        else if (!typed(name)) offenders.push(`${f}: ${spec} has no types a consumer installs`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('README.md and docs/ TypeScript blocks, compiled against the installed package', () => {
  it('has blocks to check, some of them runnable', () => {
    expect(snippets.length).toBeGreaterThan(3);
    expect(snippets.some((s) => s.runnable)).toBe(true);
  });

  for (const snippet of snippets) {
    const { name } = snippet;
    const at = `${snippet.file}:${snippet.line}`;
    for (const resolution of Object.keys(RESOLUTIONS) as Resolution[]) {
      it(
        `${at} compiles (${resolution})`,
        async () => {
          for (const need of snippet.needs) {
            expect(README_EXTRAS, `${at} needs ${need}`).toContain(need);
          }
          // A block that imports nothing is not self-contained (and would be a global script).
          expect(snippet.code, `${at} imports nothing`).toMatch(/^import /m);
          expect((await ourErrorsByFile(resolution)).get(`src/${name}.ts`)).toEqual([]);
        },
        COMPILE_TIMEOUT_MS,
      );
    }
    if (snippet.runnable) {
      it(
        `${at} runs to completion`,
        async () => {
          const script = await emitRunnable(name);
          // In a directory of its own, as a reader would run it: stores it opens land there.
          const cwd = join(consumer.dir, `cwd-${name}`);
          mkdirSync(cwd, { recursive: true });
          // Rejects on a non-zero exit, and on a timeout: a block that leaves a server or store open fails.
          await consumer.run(process.execPath, [script], { cwd, timeoutMs: 60_000 });
        },
        COMPILE_TIMEOUT_MS,
      );
    }
  }
});
