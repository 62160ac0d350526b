import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BATCH } from '../../src/emit/index.js';
import { until } from '../support/stores.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'tight-loop-agent.ts');
const dirs: string[] = [];
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ackedIn = (dir: string) => {
  const file = join(dir, 'acked');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim() || '0') : 0;
};

describe('a tight transitionTo loop killed with SIGKILL, no outbox', () => {
  it('loses at most the batch in flight plus one full batch of acknowledged transitions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opstate-tight-loop-'));
    dirs.push(dir);
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));

    // Well past the bound, so a pipeline that only appends once 10,000 are queued would show it.
    const target = 6 * DEFAULT_MAX_BATCH;
    await until(() => ackedIn(dir) >= target || child.exitCode !== null, 60_000).catch(() => {});
    expect(stderr).toBe('');
    expect(ackedIn(dir)).toBeGreaterThanOrEqual(target);
    child.kill('SIGKILL');
    await exited;
    children.delete(child);

    const acked = ackedIn(dir);
    const chainFile = join(dir, 'chain.jsonl');
    const text = existsSync(chainFile) ? readFileSync(chainFile, 'utf8') : '';
    const lines = text.split('\n').slice(0, -1); // a torn last line does not count
    const triggers = lines.map((l) => (JSON.parse(l) as { trigger: string }).trigger);
    // What landed is a gap-free prefix, in order.
    expect(triggers).toStrictEqual(Array.from({ length: triggers.length }, (_, i) => `t${i}`));
    expect(acked - triggers.length).toBeLessThan(2 * DEFAULT_MAX_BATCH);
  }, 90_000);
});
