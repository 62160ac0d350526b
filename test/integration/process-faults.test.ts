import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ChainStore,
  ChainStoreError,
  GENERIC_TRANSITION_EVENT,
  openPgliteChainStore,
  openPostgresChainStore,
} from '../../src/index.js';
import { freshWorkspace, PG_URL } from '../support/engines.js';
import { until } from '../support/stores.js';

const root = mkdtempSync(join(tmpdir(), 'opstate-pglite-'));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const FIXTURE = join(import.meta.dirname, 'fixtures', 'chain-writer.ts');

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

describe('[pglite] a persisted data directory', () => {
  it('keeps the chain across close and reopen, and refuses a second opener in this process by pid', async () => {
    const dataDir = join(root, 'not', 'yet', 'there', 'persist');
    const first = await openPgliteChainStore({ dataDir });
    await first.append('ws', events(1, 5));
    const err = await openPgliteChainStore({ dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChainStoreError);
    expect((err as ChainStoreError).kind).toBe('locked');
    expect((err as ChainStoreError).message).toContain(`in use by pid ${process.pid}`);
    expect((err as ChainStoreError).message).toContain(dataDir);
    await first.close();
    expect(existsSync(`${dataDir}.opstate.lock`)).toBe(false);

    const second = await openPgliteChainStore({ dataDir });
    expect(await second.migrate()).toStrictEqual([]);
    expect((await second.read('ws')).map((e) => e.payload.n)).toStrictEqual([1, 2, 3, 4, 5]);
    const again = await second.append('ws', events(5, 2));
    expect(again.map((e) => [e.seq, e.duplicate])).toStrictEqual([
      [5, true],
      [6, false],
    ]);
    expect(await second.verify('ws')).toMatchObject({ ok: true, length: 6 });
    await second.close();
  });
});

describe('[pglite] another process', () => {
  const dataDir = join(root, 'shared');

  it('holding the directory: the opener fails naming its pid; SIGTERM closes it cleanly and frees it', async () => {
    const holder = spawnWriter(dataDir, 'hold', 'ws');
    await until(() => holder.lines.some((l) => l.startsWith('opened')), 25_000).catch(() => {
      throw new Error(`holder did not open: ${holder.stderr()}`);
    });
    const err = await openPgliteChainStore({ dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChainStoreError);
    expect((err as ChainStoreError).kind).toBe('locked');
    expect((err as ChainStoreError).message).toContain(`in use by pid ${holder.child.pid}`);

    holder.child.kill('SIGTERM');
    expect(await holder.exited).toBe('SIGTERM');
    expect(existsSync(`${dataDir}.opstate.lock`)).toBe(false);
    const store = await openPgliteChainStore({ dataDir });
    expect(await store.migrate()).toStrictEqual([]);
    await store.close();
  });

  it('killed with SIGKILL mid-append: the stale lock is taken over, the chain verifies, every acknowledged event is there', async () => {
    const writer = spawnWriter(dataDir, 'append', 'ws-kill');
    await until(() => writer.lines.filter((l) => l.startsWith('acked')).length >= 300, 25_000).catch(() => {
      throw new Error(`writer did not append: ${writer.stderr()}`);
    });
    writer.child.kill('SIGKILL');
    expect(await writer.exited).toBe('SIGKILL');
    const acked = writer.lines.filter((l) => l.startsWith('acked')).map((l) => l.split(' '));
    expect(existsSync(`${dataDir}.opstate.lock`)).toBe(true); // left behind by the killed holder

    const store = await openPgliteChainStore({ dataDir });
    try {
      const result = await store.verify('ws-kill');
      expect(result.ok).toBe(true);
      expect(result.length).toBeGreaterThanOrEqual(acked.length);
      const stored = new Map<string, number>();
      for (let after = 0; ;) {
        const page = await store.read('ws-kill', { afterSeq: after, limit: 10_000 });
        if (page.length === 0) break;
        for (const e of page) stored.set(String(e.idempotencyKey), e.seq);
        after = page[page.length - 1]?.seq ?? after;
      }
      for (const [, seq, key] of acked) expect(stored.get(key ?? '')).toBe(Number(seq));
      console.info(
        `[pglite] SIGKILL after ${acked.length} acknowledged appends; ${result.length} in the chain`,
      );
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
