import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
// By absolute URL: `--import tsx` would resolve from the child's cwd, which tests set to temp dirs.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `opstate` command (from source, through tsx) in a child process, to completion. */
export async function cli(
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number; env?: Readonly<Record<string, string>> } = {},
): Promise<CliResult> {
  const proc = cliProcess(args, options.cwd, options.env);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const code = await proc.exited.finally(() => clearTimeout(timer));
  return { code, ...proc.output() };
}

/**
 * Starts the real `opstate` command and leaves it running; `waitFor` resolves on matching stdout. `env`
 * adds to the environment (e.g. `pinnedClock`).
 */
export function cliProcess(args: readonly string[], cwd = root, env: Readonly<Record<string, string>> = {}) {
  const child = spawn(process.execPath, ['--import', tsxLoader, entry, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
      const start = Date.now();
      for (;;) {
        const m = stdout.match(pattern);
        if (m) return m;
        if (child.exitCode !== null || Date.now() - start > timeoutMs) {
          throw new Error(`no ${pattern} in output:\n${stdout}\n${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** Environment for `cli` that stops the child's wall clock at `iso` (see pinned-clock.mjs). */
export function pinnedClock(iso: string): Record<string, string> {
  const preload = pathToFileURL(fileURLToPath(new URL('./pinned-clock.mjs', import.meta.url))).href;
  return { OPSTATE_TEST_CLOCK: iso, NODE_OPTIONS: `--import=${preload}` };
}
