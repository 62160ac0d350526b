/*
 * `opstate demo --fail-store-every N` fails every Nth transition append attempt however the emit pipeline
 * groups transitions into store calls (at --speed 0 it groups many), reports each failure, and every
 * event still lands exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'opstate-fail-every-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Summary {
  readonly transitions: number;
  readonly chainEvents: number;
  readonly emitFailures: number;
  readonly injectedFailures: number;
  readonly verify: { readonly ok: boolean };
}

async function demo(args: readonly string[]): Promise<Summary> {
  const r = await cli(['demo', '--speed', '0', '--json', ...args], { cwd: work, timeoutMs: 120_000 });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Summary;
}

/**
 * Transition t lands on attempt t + ⌊(t−1)/(N−1)⌋ (each failed attempt is retried by the next, which
 * lands), so T transitions meet ⌊(T−1)/(N−1)⌋ injected failures.
 */
const expectedFailures = (transitions: number, n: number) => Math.floor((transitions - 1) / (n - 1));

describe('opstate demo --fail-store-every', () => {
  it('--speed 0 --memory --fail-store-every 3 fails every 3rd append attempt whatever the batching, and reports each', async () => {
    const plain = await demo(['--memory']);
    const s = await demo(['--memory', '--fail-store-every', '3']);
    expect(s.injectedFailures).toBe(expectedFailures(s.transitions, 3));
    expect(s.emitFailures).toBe(s.injectedFailures);
    expect(s.chainEvents).toBe(plain.chainEvents);
    expect(s.verify.ok).toBe(true);
  }, 120_000);

  it('on a SQLite store with N = 2 and 300 transitions: every other attempt fails, every event lands once', async () => {
    const s = await demo([
      '--store',
      join(work, 'sqlite'),
      '--fail-store-every',
      '2',
      '--transitions',
      '300',
    ]);
    const plain = await demo(['--store', join(work, 'plain'), '--transitions', '300']);
    expect(s.injectedFailures).toBe(expectedFailures(300, 2));
    expect(s.emitFailures).toBe(s.injectedFailures);
    expect(s.chainEvents).toBe(plain.chainEvents);
    expect(s.verify.ok).toBe(true);
  }, 120_000);
});
