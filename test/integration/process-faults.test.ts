import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChainStore, openPostgresChainStore, openSqliteChainStore } from '../../src/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { freshWorkspace, PG_URL } from '../support/engines.js';
import { until } from '../support/stores.js';

const root = mkdtempSync(join(tmpdir(), 'opstate-processes-'));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const FIXTURE = join(import.meta.dirname, 'fixtures', 'chain-writer.ts');
const AGENT = join(import.meta.dirname, 'fixtures', 'agent.ts');

/** Starts the fixture in its own process; `lines` collects its stdout line by line. */
function spawnWriter(target: string, mode: 'hold' | 'append', ws: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, target, mode, ws], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const lines: string[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve(signal ?? code);
    }),
  );
  return { child, lines, exited, stderr: () => stderr };
}

const events = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    eventType: GENERIC_TRANSITION_EVENT,
    payload: { n: from + i },
    idempotencyKey: `key-${from + i}`,
  }));

/** Every acknowledged `acked <seq> <key>` line is in the chain at that seq. */
async function expectAllAcked(store: ChainStore, ws: string, acked: string[][]): Promise<void> {
  const stored = new Map<string, number>();
  for (let after = 0; ;) {
    const page = await store.read(ws, { afterSeq: after, limit: 10_000 });
    if (page.length === 0) break;
    for (const e of page) stored.set(String(e.idempotencyKey), e.seq);
    after = page[page.length - 1]?.seq ?? after;
  }
  for (const [, seq, key] of acked) expect(stored.get(key ?? '')).toBe(Number(seq));
}

describe('[sqlite] a persisted store file', () => {
  it('keeps the chain across close and reopen; two openers in one process share it without forking', async () => {
    const file = join(root, 'not', 'yet', 'there', 'chain.db');
    const first = await openSqliteChainStore({ file });
    await first.append('ws', events(1, 5));
    const second = await openSqliteChainStore({ file });
    const [next] = await second.append('ws', events(6, 1));
    expect(next?.seq).toBe(6);
    await first.close();
    await second.close();

    const reopened = await openSqliteChainStore({ file });
    expect(await reopened.migrate()).toStrictEqual([]);
    expect((await reopened.read('ws')).map((e) => e.payload.n)).toStrictEqual([1, 2, 3, 4, 5, 6]);
    const again = await reopened.append('ws', events(6, 2));
    expect(again.map((e) => [e.seq, e.duplicate])).toStrictEqual([
      [6, true],
      [7, false],
    ]);
    expect(await reopened.verify('ws')).toMatchObject({ ok: true, length: 7 });
    await reopened.close();
  });
});

describe('[sqlite] a writer process killed with SIGKILL mid-append', () => {
  it('every acknowledged event is there, the chain verifies, and the next opener needs no manual step', async () => {
    const file = join(root, 'kill', 'chain.db');
    const writer = spawnWriter(file, 'append', 'ws-kill');
    await until(() => writer.lines.filter((l) => l.startsWith('acked')).length >= 300, 25_000).catch(() => {
      throw new Error(`writer did not append: ${writer.stderr()}`);
    });
    writer.child.kill('SIGKILL');
    expect(await writer.exited).toBe('SIGKILL');
    const acked = writer.lines.filter((l) => l.startsWith('acked')).map((l) => l.split(' '));

    const store = await openSqliteChainStore({ file });
    try {
      const result = await store.verify('ws-kill');
      expect(result.ok).toBe(true);
      expect(result.length).toBeGreaterThanOrEqual(acked.length);
      await expectAllAcked(store, 'ws-kill', acked);
      const [next] = await store.append('ws-kill', [
        { eventType: GENERIC_TRANSITION_EVENT, payload: { after: 'kill' } },
      ]);
      expect(next?.seq).toBe(result.length + 1);
      console.info(
        `[sqlite] SIGKILL after ${acked.length} acknowledged appends; ${result.length} in the chain`,
      );
    } finally {
      await store.close();
    }
  });
});

/** Runs the agent fixture to completion and returns what it printed after `done`. */
function runAgent(args: string[]): Promise<{ triggers: string[][]; failures: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', AGENT, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      children.delete(child);
      const done = /^done (.*)$/m.exec(stdout);
      if (code !== 0 || done === null) reject(new Error(`agent exited ${code}: ${stderr}`));
      else resolve(JSON.parse(done[1] ?? '') as { triggers: string[][]; failures: number });
    });
  });
}

describe('[sqlite] 4 processes × 2 runtimes on one workspace', () => {
  it('no gap, no fork, no duplicate, each runtime in its own order, and the chain verifies', async () => {
    const file = join(root, 'many', 'chain.db');
    // No file yet: the four race to create and migrate it, and the write lock makes them take turns.
    const TRANSITIONS = 60;
    const results = await Promise.all(
      Array.from({ length: 4 }, () => runAgent(['runtimes', file, 'ws-many', '2', String(TRANSITIONS)])),
    );
    const triggersByRuntime = results.flatMap((r) => r.triggers);
    expect(results.map((r) => r.failures)).toStrictEqual([0, 0, 0, 0]);
    const store = await openSqliteChainStore({ file, readOnly: true });
    try {
      const all = [];
      for (let after = 0; ;) {
        const page = await store.read('ws-many', { afterSeq: after, limit: 10_000 });
        if (page.length === 0) break;
        all.push(...page);
        after = page[page.length - 1]?.seq ?? after;
      }
      const expected = 8 * (TRANSITIONS + 1); // every transition, plus one boot.ready per runtime
      expect(all.map((e) => e.seq)).toStrictEqual(Array.from({ length: expected }, (_, i) => i + 1));
      expect(new Set(all.map((e) => e.prevHash)).size).toBe(expected);
      expect(new Set(all.map((e) => e.idempotencyKey)).size).toBe(expected);
      const generic = all
        .filter((e) => e.eventType === GENERIC_TRANSITION_EVENT)
        .map((e) => String(e.payload.trigger));
      for (const triggers of triggersByRuntime) {
        const mine = new Set(triggers);
        expect(generic.filter((t) => mine.has(t))).toStrictEqual(triggers);
      }
      expect(await store.verify('ws-many')).toMatchObject({ ok: true, length: expected });
    } finally {
      await store.close();
    }
  });
});

describe.skipIf(PG_URL === null)('[postgres] a writer process killed with SIGKILL mid-append', () => {
  it('leaves a chain that verifies and holds every acknowledged event', async () => {
    const ws = freshWorkspace('kill');
    const writer = spawnWriter(PG_URL ?? '', 'append', ws);
    await until(() => writer.lines.filter((l) => l.startsWith('acked')).length >= 300, 25_000).catch(() => {
      throw new Error(`writer did not append: ${writer.stderr()}`);
    });
    writer.child.kill('SIGKILL');
    expect(await writer.exited).toBe('SIGKILL');
    const acked = writer.lines.filter((l) => l.startsWith('acked')).map((l) => l.split(' '));
    const store = await openPostgresChainStore({ connectionString: PG_URL ?? '' });
    try {
      const result = await store.verify(ws);
      expect(result.ok).toBe(true);
      expect(result.length).toBeGreaterThanOrEqual(acked.length);
      await expectAllAcked(store, ws, acked);
      // The server is still usable for the workspace: the next append continues the chain.
      const [next] = await store.append(ws, [
        { eventType: GENERIC_TRANSITION_EVENT, payload: { after: 'kill' } },
      ]);
      expect(next?.seq).toBe(result.length + 1);
    } finally {
      await store.close();
    }
  });
});
