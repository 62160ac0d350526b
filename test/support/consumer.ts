import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// A consumer of the packed package, as a newcomer would set one up: `npm pack`, a fresh project, `npm
// install` of the tarball, a strict tsconfig. Used by test/e2e/package-consumer.test.ts.

const exec = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const requireHere = createRequire(import.meta.url);
/** The repository's own TypeScript compiles the consumer: one compiler version for every check. */
export const TSC = requireHere.resolve('typescript/bin/tsc');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The strict options every consumer tsconfig shares: what issue 16 asks a consumer may turn on. */
const STRICT = {
  target: 'ES2022',
  lib: ['ES2022'],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: false,
  noEmit: true,
};

export const RESOLUTIONS = {
  nodenext: { module: 'NodeNext', moduleResolution: 'NodeNext' },
  bundler: { module: 'ESNext', moduleResolution: 'Bundler' },
} as const;
export type Resolution = keyof typeof RESOLUTIONS;

async function run(cmd: string, args: readonly string[], cwd: string, timeoutMs = 300_000) {
  try {
    return await exec(cmd, [...args], {
      cwd,
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...process.env,
        npm_config_audit: 'false',
        npm_config_fund: 'false',
        npm_config_update_notifier: 'false',
      },
    });
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${cmd} ${args.join(' ')} failed in ${cwd}: ${x.message}\n${x.stdout ?? ''}\n${x.stderr ?? ''}`,
      { cause: e },
    );
  }
}

/**
 * Packs the package from a copy of the working tree (tracked and untracked, not ignored files), so that
 * `prepack` runs its clean build there and not in the checkout the rest of the suite reads. Returns the
 * tarball's path and npm's list of the files in it.
 */
export async function packPackage(
  into: string,
): Promise<{ tarball: string; files: string[]; sources: string[] }> {
  const copy = join(into, 'source');
  const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], ROOT);
  for (const rel of stdout.split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(copy, rel)), { recursive: true });
    try {
      cpSync(join(ROOT, rel), join(copy, rel));
    } catch (e) {
      // A file deleted in the working tree but still in the index.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const sources = stdout
    .split('\0')
    .filter((rel) => /^src\/.+(\.sql|(?<!\.d)\.ts)$/.test(rel) && existsSync(join(ROOT, rel)));
  const out = join(into, 'pack');
  mkdirSync(out);
  const packed = await run(NPM, ['pack', '--json', '--pack-destination', out], copy);
  // Lifecycle output (prepack's build) may precede the JSON report on stdout.
  const json = packed.stdout.slice(packed.stdout.indexOf('[\n'));
  const report = JSON.parse(json) as { filename: string; files: { path: string }[] }[];
  const tarball = readdirSync(out).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined || report[0] === undefined) throw new Error(`npm pack left no tarball in ${out}`);
  return { tarball: join(out, tarball), files: report[0].files.map((f) => f.path).sort(), sources };
}

export interface Consumer {
  readonly dir: string;
  /** Compiles `files` (relative to the project) with the strict options and the given resolution. */
  compile(
    resolution: Resolution,
    files: readonly string[],
    extra?: Record<string, unknown>,
  ): Promise<TscError[]>;
  /** Runs a command in the project (or in `cwd`); rejects on a non-zero exit. */
  run(
    cmd: string,
    args: readonly string[],
    options?: { timeoutMs?: number; cwd?: string },
  ): Promise<{ stdout: string; stderr: string }>;
}

/**
 * A fresh ESM project with the tarball installed from it, plus `@types/node` (a Node consumer has it).
 * `linked` packages not installed with opstate are linked from this repository's node_modules instead of
 * installed: the README tells its reader to install them for one snippet each (vitest, @statelyai/inspect).
 */
export async function createConsumer(
  into: string,
  tarball: string,
  linked: readonly string[] = [],
): Promise<Consumer> {
  const dir = mkdtempSync(join(into, 'consumer-'));
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'opstate-consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  await run(NPM, ['install', '--no-save', '--prefer-offline', tarball, '@types/node@20'], dir, 600_000);
  for (const name of linked) {
    const target = join(dir, 'node_modules', name);
    if (existsSync(target)) continue; // installed with opstate, as the reader's npm would have it
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), target, 'dir');
  }
  return {
    dir,
    async compile(resolution, files, extra = {}) {
      const config = `tsconfig.${resolution}.${Math.random().toString(36).slice(2)}.json`;
      writeFileSync(
        join(dir, config),
        JSON.stringify(
          { compilerOptions: { ...STRICT, ...RESOLUTIONS[resolution], ...extra }, files },
          null,
          2,
        ),
      );
      try {
        await run(process.execPath, [TSC, '-p', config, '--pretty', 'false'], dir);
        return [];
      } catch (e) {
        const errors = parseTscErrors((e as Error).message);
        if (errors.length === 0) throw e;
        return errors;
      }
    },
    run: (cmd, args, options = {}) => run(cmd, args, options.cwd ?? dir, options.timeoutMs),
  };
}

export interface TscError {
  readonly file: string;
  readonly line: number;
  readonly code: string;
  readonly message: string;
}

/** `file(line,col): error TSnnnn: message` lines of tsc's plain output. */
export function parseTscErrors(output: string): TscError[] {
  const errors: TscError[] = [];
  for (const m of output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/gm)) {
    errors.push({ file: m[1] as string, line: Number(m[2]), code: m[3] as string, message: m[4] as string });
  }
  return errors;
}

export const describeError = (e: TscError) => `${e.file}(${e.line}): ${e.code}: ${e.message}`;
