/*
 * Four processes appending to one workspace of one SQLite file, on either writer (this thread or a writer
 * thread), two of them killed with SIGKILL mid-append: the write lock taken before the head is read is
 * what keeps the chain whole (the database's only fork guard is one row per seq). Every acknowledged
 * event is there at its seq, seqs are gap-free, no two rows share a predecessor, and the chain verifies.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChainEvent, openSqliteChainStore } from '../../src/index.js';
import { migrateSqlite } from '../../src/store/sqlite/migrate.js';
import { connect } from '../../src/store/sqlite/connection.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'chain-writer.ts');
const root = mkdtempSync(join(tmpdir(), 'opstate-sigkill-'));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function spawnWriter(file: string, ws: string, writer: 'main' | 'worker') {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, file, 'append', ws, writer], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const acked: [seq: number, key: string][] = [];
  let buffer = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const line of parts) {
      const [word, seq, key] = line.split(' ');
      if (word === 'acked') acked.push([Number(seq), key ?? '']);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve(signal ?? code);
    }),
  );
  return { child, acked, exited, stderr: () => stderr };
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.each(['main', 'worker'] as const)(
  '[sqlite] 4 writer processes (%s writer) on one workspace, 2 killed',
  (writer) => {
    it('every acknowledged event at its seq, gap-free, no shared predecessor, and the chain verifies', async () => {
      const file = join(root, writer, 'chain.db');
      const ws = `ws-kill-${writer}`;
      // Migrated once up front, so the four start appending together.
      const db = connect({ file, readOnly: false, busyTimeoutMs: 5000, what: 'chain store' });
      migrateSqlite(db);
      db.close();
      const writers = Array.from({ length: 4 }, () => spawnWriter(file, ws, writer));
      await until(() => writers.every((w) => w.acked.length >= 40), 40_000).catch(() => {
        throw new Error(`writers did not append: ${writers.map((w) => w.stderr()).join('\n')}`);
      });
      for (const w of writers.slice(0, 2)) w.child.kill('SIGKILL');
      await until(() => writers.slice(2).every((w) => w.acked.length >= 80), 40_000);
      for (const w of writers.slice(2)) w.child.kill('SIGKILL');
      expect(await Promise.all(writers.map((w) => w.exited))).toStrictEqual(Array(4).fill('SIGKILL'));

      const store = await openSqliteChainStore({ file });
      try {
        const all: ChainEvent[] = [];
        for (let after = 0; ;) {
          const page = await store.read(ws, { afterSeq: after, limit: 10_000 });
          if (page.length === 0) break;
          all.push(...page);
          after = page[page.length - 1]?.seq ?? after;
        }
        expect(all.map((e) => e.seq)).toStrictEqual(Array.from({ length: all.length }, (_, i) => i + 1));
        expect(new Set(all.map((e) => e.prevHash)).size).toBe(all.length);
        const seqByKey = new Map(all.map((e) => [e.idempotencyKey, e.seq]));
        const acked = writers.flatMap((w) => w.acked);
        expect(acked.length).toBeGreaterThanOrEqual(240);
        for (const [seq, key] of acked) expect(seqByKey.get(key)).toBe(seq);
        expect(await store.verify(ws)).toMatchObject({ ok: true, length: all.length });
      } finally {
        await store.close();
      }
    });
  },
);
