import { Bench } from 'tinybench';

export interface CaseResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: string | null;
  readonly baselineValue: number | null;
  /** value / baselineValue, computed in the same run. */
  readonly ratio: number | null;
  /** Human statement of the target, e.g. "≤ 2× bare actor". */
  readonly target: string | null;
  /** Whether the target was met; null when the case has no target. */
  readonly met: boolean | null;
  readonly note?: string;
  /** Min / median / max over rounds, where the case ran in rounds. */
  readonly range?: Spread;
  readonly baselineRange?: Spread;
  /** For a ratio taken per round: its smallest and largest value (`ratio` is then the median). */
  readonly spread?: { readonly min: number; readonly max: number };
}

export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/** Min / median / max of per-round rates. */
export function spread(xs: readonly number[]): Spread | undefined {
  if (xs.length === 0) return undefined;
  return spreadOf(xs);
}

/** Min / median / max of samples a case always has (never empty). */
export function spreadOf(xs: readonly number[]): Spread {
  return { min: Math.min(...xs), median: median(xs), max: Math.max(...xs) };
}

export interface BenchSettings {
  readonly quick: boolean;
  /** Milliseconds of sampling per task (after warm-up). */
  readonly timeMs: number;
  readonly warmupMs: number;
}

export function settings(quick: boolean): BenchSettings {
  return quick ? { quick, timeMs: 300, warmupMs: 100 } : { quick, timeMs: 2000, warmupMs: 500 };
}

/**
 * Median milliseconds per task invocation for each task, measured with tinybench (warm-up, many
 * samples). Tasks run in one Bench so baselines and subjects share the same conditions.
 */
export async function medians(
  s: BenchSettings,
  tasks: Record<string, () => unknown | Promise<unknown>>,
  /**
   * For heavy tasks (one invocation takes 100s of ms): tinybench's default minimum of 64 iterations
   * would blow the time budget, so such cases ask for a few samples instead.
   */
  heavy?: { readonly iterations: number; readonly warmupIterations: number; readonly timeMs?: number },
): Promise<Record<string, number>> {
  const bench = new Bench(
    heavy === undefined
      ? { time: s.timeMs, warmupTime: s.warmupMs, warmup: true }
      : {
          time: heavy.timeMs ?? 0,
          iterations: heavy.iterations,
          warmupTime: 0,
          warmupIterations: heavy.warmupIterations,
          warmup: heavy.warmupIterations > 0,
        },
  );
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  const out: Record<string, number> = {};
  for (const task of bench.tasks) {
    const result = task.result as
      { latency?: { p50?: number; min?: number; max?: number }; error?: unknown } | undefined;
    if (result?.error !== undefined) throw result.error;
    const p50 = result?.latency?.p50;
    if (typeof p50 !== 'number') throw new Error(`benchmark task ${task.name} produced no samples`);
    out[task.name] = p50;
    // The fastest and slowest call, for cases that print a spread.
    out[`${task.name}:min`] = result?.latency?.min ?? p50;
    out[`${task.name}:max`] = result?.latency?.max ?? p50;
  }
  return out;
}

export function ratioCase(
  fields: Omit<CaseResult, 'ratio' | 'met'> & {
    readonly better: 'lower' | 'higher';
    readonly targetRatio: number | null;
  },
): CaseResult {
  const { better, targetRatio, ...rest } = fields;
  const ratio = rest.baselineValue ? rest.value / rest.baselineValue : null;
  const met =
    ratio === null || targetRatio === null
      ? null
      : better === 'lower'
        ? ratio <= targetRatio
        : ratio >= targetRatio;
  return { ...rest, ratio, met };
}

/** Median of a few numbers (for hand-timed samples that cannot run inside tinybench). */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A row for a case that could not run here (e.g. no PostgreSQL): it says so instead of vanishing. */
export function notRun(name: string, unit: string, target: string | null, why: string): CaseResult {
  return {
    name,
    value: Number.NaN,
    unit,
    baseline: null,
    baselineValue: null,
    ratio: null,
    target,
    met: null,
    note: `did not run: ${why}`,
  };
}
