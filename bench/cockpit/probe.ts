/*
 * Measures a running `opstate cockpit` the way a person sees it: a real browser on its page. Times are
 * from the moment the cockpit process was spawned; memory is the process's own RSS from /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

export interface CockpitRun {
  readonly child: ChildProcess;
  readonly spawnedAt: number;
  readonly url: string;
  /** When the cockpit printed its URL (ms after spawn). */
  readonly urlAfterMs: number;
  /** Everything the cockpit printed so far (the URL first; the count and watch mode once loaded). */
  output(): string;
}

/** Starts the built CLI's cockpit on `store` and waits for its URL. */
export async function startCockpitProcess(cli: string, store: string): Promise<CockpitRun> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [cli, 'cockpit', '--store', store, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let resolved = false;
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`cockpit exited ${code}: ${out}\n${err}`)));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /cockpit: (http:\/\/\S+)/.exec(out);
      if (m === null || resolved) return;
      resolved = true;
      child.removeAllListeners('exit');
      resolve({
        child,
        spawnedAt,
        url: m[1] as string,
        urlAfterMs: performance.now() - spawnedAt,
        output: () => out,
      });
    });
  });
}

/** The process's peak resident set (VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** Opens `page` on the cockpit and waits for its first table row; ms after spawn. */
export async function firstTable(
  page: Page,
  run: CockpitRun,
): Promise<{
  page: Page;
  ms: number;
  steps: { asked: number; served: number; loaded: number };
}> {
  const asked = performance.now() - run.spawnedAt;
  await page.goto(run.url, { waitUntil: 'commit' });
  const served = performance.now() - run.spawnedAt;
  await page.waitForLoadState('load');
  const loaded = performance.now() - run.spawnedAt;
  await page.locator('[data-testid="ws-row"]').first().waitFor({ timeout: 120_000 });
  const ms = performance.now() - run.spawnedAt;
  return { page, ms, steps: { asked, served, loaded } };
}

/** Waits until the page says every workspace has a verdict; ms after spawn. */
export async function fullyVerified(page: Page, run: CockpitRun, total: number): Promise<number> {
  const done = `verified ${total.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`;
  for (;;) {
    const text = await page.getByTestId('verify-progress').textContent();
    if (text === done) return performance.now() - run.spawnedAt;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Milliseconds from `append()` resolving to the page showing `ws` in state `to`. */
export async function updateLatency(
  page: Page,
  ws: string,
  to: string,
  append: () => Promise<void>,
): Promise<number> {
  await append();
  const landed = performance.now();
  await page
    .locator(`[data-testid="ws-row"][data-ws="${ws}"][data-state="${to}"]`)
    .waitFor({ timeout: 30_000 });
  return performance.now() - landed;
}
