import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteChainStore } from '../../src/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { canRunAsNobody, cliAsNobody } from '../support/as-nobody.js';
import { cli } from '../support/cli.js';

const root = mkdtempSync(join(tmpdir(), 'opstate-readonly-'));
// mkdtemp makes 0700 directories: the other user must be able to reach the stores below.
chmodSync(root, 0o755);
afterAll(() => {
  chmodRecursiveWritable(root);
  rmSync(root, { recursive: true, force: true });
});

function chmodRecursiveWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) chmodRecursiveWritable(join(dir, entry.name));
  }
}

const events = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    eventType: GENERIC_TRANSITION_EVENT,
    payload: { n: from + i },
    idempotencyKey: `k-${from + i}`,
  }));

async function makeStore(name: string, n: number): Promise<string> {
  const dir = join(root, name);
  mkdirSync(dir);
  const store = await openSqliteChainStore({ file: join(dir, 'chain.db') });
  await store.append('ws', events(n));
  await store.close();
  return dir;
}

describe('read-only readers', () => {
  // The other user is the point: root reads and writes any directory.
  it.skipIf(!canRunAsNobody)(
    'verify, events and cockpit read a store in a directory they cannot write (0555, as nobody), and create nothing there',
    async () => {
      const dir = await makeStore('closed-0555', 3);
      expect(readdirSync(dir)).toEqual(['chain.db']);
      chmodSync(dir, 0o555);
      const verify = await cliAsNobody(['verify', '--store', dir, '--workspace', 'ws']);
      expect(verify.stderr).toBe('');
      expect(verify.code).toBe(0);
      expect(verify.stdout).toContain('ok, 3 events');
      const exported = await cliAsNobody(['events', '--store', dir, '--workspace', 'ws', '--json']);
      expect(exported.code).toBe(0);
      expect(JSON.parse(exported.stdout)).toHaveLength(3);
      const cockpit = await cliAsNobody(['cockpit', '--store', dir, '--once', '--json']);
      expect(cockpit.code).toBe(0);
      expect(cockpit.stdout).toContain('"ws"');
      expect(readdirSync(dir)).toEqual(['chain.db']);
    },
  );

  it.skipIf(!canRunAsNobody)(
    "reads a live writer's uncheckpointed commits in a directory it cannot write (as nobody)",
    async () => {
      const dir = join(root, 'live-0555');
      mkdirSync(dir);
      const writer = await openSqliteChainStore({ file: join(dir, 'chain.db') });
      try {
        await writer.append('ws', events(4));
        chmodSync(dir, 0o555);
        // The writer (root) keeps writing in the 0555 directory; its commits sit in chain.db-wal.
        await writer.append('ws', events(2, 4));
        const verify = await cliAsNobody(['verify', '--store', dir, '--workspace', 'ws']);
        expect(verify.stderr).toBe('');
        expect(verify.code).toBe(0);
        expect(verify.stdout).toContain('ok, 6 events');
        expect(readdirSync(dir).sort()).toEqual(['chain.db', 'chain.db-shm', 'chain.db-wal']);
      } finally {
        await writer.close();
      }
    },
  );

  it('leaves no -wal or -shm behind in a writable directory', async () => {
    const dir = await makeStore('closed-writable', 2);
    expect(readdirSync(dir)).toEqual(['chain.db']);
    expect((await cli(['verify', '--store', dir, '--workspace', 'ws'])).code).toBe(0);
    expect((await cli(['events', '--store', dir, '--workspace', 'ws', '--json'])).code).toBe(0);
    expect((await cli(['cockpit', '--store', dir, '--once', '--json'])).code).toBe(0);
    expect(readdirSync(dir)).toEqual(['chain.db']);
  });

  it('a reader opened before any writer sees the appends of a writer that starts later, and refuses to write', async () => {
    const dir = await makeStore('late-writer', 1);
    const file = join(dir, 'chain.db');
    const reader = await openSqliteChainStore({ file, readOnly: true });
    const writer = await openSqliteChainStore({ file });
    await writer.append('ws', events(2, 1));
    expect((await reader.read('ws')).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await reader.verify('ws')).toMatchObject({ ok: true, length: 3 });
    await expect(reader.append('ws', events(1, 9))).rejects.toThrow(/read-only/);
    await writer.close();
    await reader.close();
    expect(readdirSync(dir)).toEqual(['chain.db']);
  });
});
