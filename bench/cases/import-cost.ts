import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type BenchSettings, type CaseResult, median, ratioCase } from '../harness.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = pathToFileURL(`${root}dist/index.js`).href;

// Each sample is a fresh process: module loading only happens once per process. The child times its
// own imports and reports the RSS they added; the parent times the whole process (startup to exit).
const child = (imports: string) => `
const t0 = performance.now();
const rss0 = process.memoryUsage().rss;
${imports}
const ms = performance.now() - t0;
console.log(JSON.stringify({ ms, rssMiB: (process.memoryUsage().rss - rss0) / 2 ** 20 }));`;

const OPSTATE = child(`await import(${JSON.stringify(entry)});`);
const BASELINE = child(`await import('xstate'); await import('zod');`);

interface Sample {
  readonly importMs: number;
  readonly rssMiB: number;
  readonly processMs: number;
}

async function sample(script: string): Promise<Sample> {
  const started = performance.now();
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
  const processMs = performance.now() - started;
  const { ms, rssMiB } = JSON.parse(stdout) as { ms: number; rssMiB: number };
  return { importMs: ms, rssMiB, processMs };
}

const spread = (xs: readonly number[]) =>
  `min ${Math.min(...xs).toFixed(1)}, median ${median(xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}`;

/**
 * `import 'opstate'` (the built entry, dist/index.js, rebuilt first) against importing `xstate` and `zod`
 * alone, each in fresh processes, interleaved so both sides share the machine's state. Target: at most
 * 2× in time and in memory: the entry must not load a database driver, the inspector server or the CLI.
 */
export async function importCost(s: BenchSettings): Promise<CaseResult[]> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root });
  const rounds = s.quick ? 7 : 21;
  const ours: Sample[] = [];
  const base: Sample[] = [];
  await sample(OPSTATE); // warm the file cache for both sides
  await sample(BASELINE);
  for (let i = 0; i < rounds; i++) {
    ours.push(await sample(OPSTATE));
    base.push(await sample(BASELINE));
  }
  const row = (
    name: string,
    unit: string,
    pick: (x: Sample) => number,
    baseline: string,
    target: number | null,
  ): CaseResult => {
    const a = ours.map(pick);
    const b = base.map(pick);
    return ratioCase({
      name,
      value: median(a),
      unit,
      baseline,
      baselineValue: median(b),
      target: target === null ? null : `≤ ${target}× xstate + zod`,
      better: 'lower',
      targetRatio: target,
      range: { min: Math.min(...a), median: median(a), max: Math.max(...a) },
      note: `baseline ${spread(b)}; ${rounds} processes each`,
    });
  };
  return [
    row(
      'import cost: time of `import "opstate"`',
      'ms',
      (x) => x.importMs,
      'import of xstate and zod alone',
      2,
    ),
    row(
      'import cost: RSS added by `import "opstate"`',
      'MiB',
      (x) => x.rssMiB,
      'import of xstate and zod alone',
      2,
    ),
    row(
      'diagnostic: whole process (start, import, exit)',
      'ms',
      (x) => x.processMs,
      'the same process importing xstate and zod',
      null,
    ),
  ];
}
