import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChainStoreError } from '../../src/errors.js';
import { prepareEvents } from '../../src/store/chain/prepare.js';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';
import { startWorkerAppender, WRITER_RESTART_PAUSE_MS } from '../../src/store/sqlite/worker-appender.js';

// The writer thread (writer: 'worker') is a thread of its own: when it dies, the store must not stay
// dead. Here it dies for a real reason, its file unusable when it starts (a directory stands at the
// path), and the file is then put right.

const dir = mkdtempSync(join(tmpdir(), 'opstate-writer-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const events = (n: number) =>
  prepareEvents([{ eventType: 'kora.operational_state.transitioned', payload: { n } }]);

describe('the SQLite writer thread', () => {
  it('a thread that died is started afresh by an append after the pause, and the chain goes on', async () => {
    const file = join(dir, 'chain.db');
    mkdirSync(file); // the thread's connection cannot open a directory
    const appender = startWorkerAppender({ file, busyTimeoutMs: 1000 });
    try {
      const first = await appender.append('ws', events(1)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(first).toBeInstanceOf(ChainStoreError);
      expect((first as ChainStoreError).kind).toBe('unavailable');

      // Within the pause an append fails at once, saying a new thread is coming.
      const soon = await appender.append('ws', events(2)).then(
        () => null,
        (e: unknown) => e,
      );
      expect((soon as ChainStoreError).kind).toBe('unavailable');
      expect((soon as ChainStoreError).message).toMatch(/a new writer thread starts within \d+ ms/);

      // Put the file right: a migrated store where the directory was.
      rmSync(file, { recursive: true });
      const store = await openSqliteChainStore({ file });
      await store.close();
      await new Promise((resolve) => setTimeout(resolve, WRITER_RESTART_PAUSE_MS + 50));

      const written = await appender.append('ws', events(3));
      expect(written.startSeq).toBe(0);
      expect(written.eventIds).toHaveLength(1);
      const again = await appender.append('ws', events(4));
      expect(again.startSeq).toBe(1);
    } finally {
      await appender.close();
    }
    const reader = await openSqliteChainStore({ file, readOnly: true });
    try {
      const verified = await reader.verify('ws');
      expect(verified).toMatchObject({ ok: true, length: 2 });
    } finally {
      await reader.close();
    }
  });

  it('after close, appends are refused as closed', async () => {
    const file = join(dir, 'closed.db');
    const store = await openSqliteChainStore({ file });
    await store.close();
    const appender = startWorkerAppender({ file, busyTimeoutMs: 1000 });
    await appender.append('ws', events(1));
    await appender.close();
    const refused = await appender.append('ws', events(2)).then(
      () => null,
      (e: unknown) => e,
    );
    expect((refused as ChainStoreError).kind).toBe('closed');
  });
});
