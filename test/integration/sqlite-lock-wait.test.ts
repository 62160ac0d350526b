import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createOperationalState,
  openSqliteChainStore,
  type OperationalStateRuntime,
  resumeOperationalState,
  type SqliteChainStore,
  silentLogger,
} from '../../src/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';

const root = mkdtempSync(join(tmpdir(), 'opstate-lock-wait-'));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const HOLDER = join(import.meta.dirname, 'fixtures', 'lock-holder.ts');
const HOLD_MS = 3000;

/** Starts a real second process that holds the write lock; resolves once it has it. */
async function holdWriteLock(file: string, ms: number): Promise<{ released: Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, file, String(ms)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  let out = '';
  let onLocked: () => void = () => {};
  const locked = new Promise<void>((resolve) => (onLocked = resolve));
  const released = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('locked\n')) onLocked();
      if (out.includes('released\n')) resolve();
    });
    child.on('exit', (code) => {
      children.delete(child);
      if (!out.includes('released\n')) reject(new Error(`lock holder exited with ${code}: ${out}`));
    });
  });
  await locked;
  return { released };
}

type Start = (store: SqliteChainStore) => Promise<OperationalStateRuntime>;
const starts: [string, Start][] = [
  [
    'created (shared appends)',
    async (store) => createOperationalState({ store, workspaceId: 'ws-lock' }, { logger: silentLogger }),
  ],
  // A resumed runtime appends as the workspace's owner: those appends must wait the same way.
  [
    'resumed (owned appends)',
    (store) => resumeOperationalState({ store, workspaceId: 'ws-lock' }, { logger: silentLogger }),
  ],
];

describe.each(starts)('another process holding the SQLite write lock, runtime %s', (name, start) => {
  it('does not freeze the event loop of an agent with the default (main-thread) writer, and loses nothing', async () => {
    const file = join(root, `${name.split(' ')[0]}.db`);
    const store = await openSqliteChainStore({ file });
    const rt = await start(store);
    await rt.send({ type: 'GATES_PASSED' });
    await rt.flush();

    const { released } = await holdWriteLock(file, HOLD_MS);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    // The longest gap between ticks of a 5 ms timer: what a health check or a heartbeat would see.
    let maxGapMs = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      maxGapMs = Math.max(maxGapMs, now - last);
      last = now;
    }, 5);
    let stillHeld = true;
    void released.then(() => (stillHeld = false));
    const triggers: string[] = [];
    let resolvedWhileHeld = 0;
    for (let i = 0; i < 20; i++) {
      const trigger = `posture update ${i}`;
      triggers.push(trigger);
      await rt.send({ type: 'UPDATE_POSTURE', trigger });
      if (stillHeld) resolvedWhileHeld += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await released;
    await rt.flush();
    loop.disable();
    clearInterval(ticker);

    // Before, an append slept inside SQLite's busy timeout on this thread for the whole hold. (A block
    // inside one loop iteration can escape monitorEventLoopDelay on Node 20: the timer gap is the truth.)
    expect(maxGapMs).toBeLessThan(1000);
    expect(loop.max / 1e6).toBeLessThan(1000);
    expect(resolvedWhileHeld).toBeGreaterThan(10);
    const chain = await store.read('ws-lock', { limit: 10_000 });
    const landed = chain
      .filter((e) => e.eventType === GENERIC_TRANSITION_EVENT)
      .map((e) => String((e.payload as { trigger?: unknown }).trigger))
      .filter((t) => t.startsWith('posture update'));
    expect(landed).toEqual(triggers);
    expect(await store.verify('ws-lock')).toMatchObject({ ok: true });
    expect(rt.emitFailures).toBe(0);
    await rt.stop();
    await store.close();
  });
});
