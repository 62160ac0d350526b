import { SingleBar } from 'cli-progress';

/** A progress bar on stderr for long work, or nothing at all when stderr is not a terminal. */
export interface Progress {
  /** `done` of `total` units (events, or seqs); a total of undefined keeps the last known one. */
  update(done: number, total?: number): void;
  stop(): void;
}

const NONE: Progress = { update() {}, stop() {} };

/**
 * A bar with rate and ETA, drawn only for a person watching: stderr is a TTY and `enabled` (callers pass
 * false for --json). Nothing is drawn until `update` is first called, so short work shows nothing.
 */
export function progressBar(label: string, unit: string, enabled = true): Progress {
  if (!enabled || process.stderr.isTTY !== true) return NONE;
  const started = Date.now();
  let bar: SingleBar | null = null;
  let total = 0;
  return {
    update(done, newTotal) {
      if (newTotal !== undefined) total = Math.max(newTotal, done);
      else total = Math.max(total, done);
      const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
      const payload = { rate: rate.toLocaleString('en-US'), unit };
      if (bar === null) {
        bar = new SingleBar({
          stream: process.stderr,
          format: `${label} [{bar}] {percentage}% | {value}/{total} {unit} | {rate} {unit}/s | ETA {eta_formatted}`,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        });
        bar.start(total, done, payload);
        return;
      }
      bar.setTotal(total);
      bar.update(done, payload);
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
