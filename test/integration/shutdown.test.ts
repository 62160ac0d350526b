import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'shutdown-child.ts');

/** Runs one scenario of the fixture; resolves with its stdout lines and how long it took to exit. */
function run(
  mode: string,
): Promise<{ lines: string[]; code: number | null; afterLineMs: number; stderr: string }> {
  let lineAt = Number.NaN;
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    if (out === '') lineAt = Date.now();
    out += d.toString('utf8');
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  // A child that does not exit on its own is the failure under test: kill it after 15 s.
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ lines: out.trim().split('\n'), code, afterLineMs: Date.now() - lineAt, stderr });
    }),
  );
}

/** The child's own clock: ms from its start (after loading) to the line. */
const ms = (line: string | undefined) => Number(line?.split(' ')[1]);

describe('defect 3: a timed stop settles in its time and leaves nothing alive', () => {
  it('stop({ flushTimeoutMs: 100 }) on a hung store rejects in time and the process exits promptly', async () => {
    const { lines, code, afterLineMs, stderr } = await run('timed-stop');
    expect(stderr).toBe('');
    expect(lines[0]).toMatch(/^rejected:EmitFlushTimeoutError /);
    expect(ms(lines[0])).toBeLessThan(2_000);
    expect(code).toBe(0);
    // Once stop has settled, nothing may keep the process alive (the hung append's 10 s bound did).
    expect(afterLineMs).toBeLessThan(2_000);
  });

  it('a timed stop after an untimed stop() settles in its time and the process exits', async () => {
    const { lines, code, afterLineMs } = await run('untimed-then-timed-stop');
    expect(lines[0]).toMatch(/^rejected:EmitFlushTimeoutError /);
    expect(ms(lines[0])).toBeLessThan(2_000);
    expect(code).toBe(0);
    expect(afterLineMs).toBeLessThan(2_000);
  });
});

describe('item 9: forwardToStately close() ends everything', () => {
  it('no reconnect loop keeps the process alive after close()', async () => {
    const { lines, code, afterLineMs } = await run('stately-close');
    expect(lines[0]).toMatch(/^closed /);
    expect(code).toBe(0);
    expect(afterLineMs).toBeLessThan(2_000);
  });
});
