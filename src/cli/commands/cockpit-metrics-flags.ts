import { chmodSync, statSync, writeFileSync } from 'node:fs';
import type { StartCockpitOptions } from '../../cockpit/server.js';
import { UsageError } from '../exit-codes.js';

/** `opstate cockpit`'s flags, as commander hands them over. */
export interface CockpitFlags {
  readonly store: string;
  readonly listenUrl?: string;
  readonly port?: number;
  readonly pollMs: number;
  readonly once: boolean;
  readonly json: boolean;
  readonly metrics: boolean;
  readonly checkpoints?: string;
  readonly tokenFile?: string;
}

/** The cockpit's `metrics` option from the flags; `--checkpoints` without `--metrics` is a usage error. */
export function metricsOptions(o: CockpitFlags): Pick<StartCockpitOptions, 'metrics'> {
  if (o.checkpoints !== undefined && !o.metrics) {
    throw new UsageError('--checkpoints goes with --metrics (it feeds the checkpoint-age gauges)');
  }
  if (!o.metrics) return {};
  if (o.checkpoints === undefined) return { metrics: true };
  if (statSync(o.checkpoints, { throwIfNoEntry: false })?.isDirectory() !== true)
    throw new UsageError(`--checkpoints ${JSON.stringify(o.checkpoints)} is not a directory`);
  return { metrics: { checkpointsDir: o.checkpoints } };
}

/**
 * Writes the per-run token for a scraper (Prometheus re-reads `credentials_file` on every scrape, so a
 * restarted cockpit's new token is picked up without touching its config). Owner-only: it is a secret.
 */
export function writeTokenFile(file: string, token: string): void {
  try {
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  } catch (err) {
    throw new UsageError(`cannot write the token to ${file}: ${(err as Error).message}`);
  }
}
