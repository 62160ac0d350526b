import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChainStoreError, openSqliteChainStore } from '../../src/index.js';
import { canRunAsNobody, cliAsNobody } from '../support/as-nobody.js';
import { cli } from '../support/cli.js';

const root = mkdtempSync(join(tmpdir(), 'opstate-store-path-'));
chmodSync(root, 0o755);
afterAll(() => {
  for (const name of readdirSync(root)) chmodSync(join(root, name), 0o755);
  rmSync(root, { recursive: true, force: true });
});

describe('a store path no writer can use', () => {
  it('a store file that is a directory is invalid_input naming it (not unavailable, which is retried)', async () => {
    const dir = join(root, 'is-a-dir.db');
    mkdirSync(dir);
    const opening = openSqliteChainStore({ file: dir });
    await expect(opening).rejects.toBeInstanceOf(ChainStoreError);
    await expect(opening).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(opening).rejects.toThrow(`${dir} is a directory`);
  });

  it('demo --store <dir> whose chain.db is a directory exits 2 (usage), naming it', async () => {
    const store = join(root, 'dir-store');
    mkdirSync(join(store, 'chain.db'), { recursive: true });
    const r = await cli(['demo', '--store', store, '--speed', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(store, 'chain.db')} is a directory`);
  });

  it('verify --store <dir> whose chain.db is a directory exits 2 (usage), naming it', async () => {
    const store = join(root, 'dir-store-read');
    mkdirSync(join(store, 'chain.db'), { recursive: true });
    const r = await cli(['verify', '--store', store, '--workspace', 'ws']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(store, 'chain.db')} is a directory`);
  });

  it.skipIf(!canRunAsNobody)(
    'demo --store <a directory this user cannot write> exits 2 (usage), naming it, and creates nothing',
    async () => {
      const store = join(root, 'ro-0555');
      mkdirSync(store);
      chmodSync(store, 0o555);
      const r = await cliAsNobody(['demo', '--store', store, '--speed', '0']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`cannot write the directory ${store}`);
      expect(readdirSync(store)).toEqual([]);
    },
  );

  it('a missing directory is created with its parents (mkdir -p)', async () => {
    const file = join(root, 'missing', 'parents', 'chain.db');
    const store = await openSqliteChainStore({ file });
    await store.close();
    expect(existsSync(file)).toBe(true);
  });
});
