/*
 * What a plain `opstate demo` does with the SQLite file already at its --store: a file holding only the
 * demo's own workspace is kept under a name no other file has (never replacing one), a file that also
 * holds other workspaces is left alone and the run refused, and a file that cannot be moved is refused
 * with exit 2, unchanged.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOperationalState, openSqliteChainStore, silentLogger } from '../../src/index.js';
import { canRunAsNobody, cliAsNobody } from '../support/as-nobody.js';
import { cli, pinnedClock } from '../support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'opstate-demo-set-aside-'));
chmodSync(work, 0o755); // the read-only case runs as another user
afterAll(() => {
  chmodSync(join(work, 'readonly'), 0o755);
  rmSync(work, { recursive: true, force: true });
});

const demo = (dir: string, seed: number, more: string[] = []) => [
  'demo',
  '--store',
  dir,
  '--speed',
  '0',
  '--transitions',
  '24',
  '--seed',
  String(seed),
  ...more,
];

const keptFiles = (dir: string) => readdirSync(dir).filter((f) => /^chain-.*\.db$/.test(f));

async function headOf(file: string, workspaceId = 'demo'): Promise<string | null> {
  const store = await openSqliteChainStore({ file, readOnly: true });
  try {
    const result = await store.verify(workspaceId);
    return result.ok ? result.headHash : null;
  } finally {
    await store.close();
  }
}

async function workspacesIn(file: string): Promise<string[]> {
  const store = await openSqliteChainStore({ file, readOnly: true });
  try {
    return await store.workspaces();
  } finally {
    await store.close();
  }
}

describe('opstate demo: setting the previous file aside', () => {
  it('two runs in the same second (the same millisecond, even) each keep the previous chain in its own file', async () => {
    const dir = join(work, 'same-second');
    const clock = pinnedClock('2030-01-01T00:00:00.000Z');
    const heads: string[] = [];
    for (const seed of [1, 2, 3]) {
      const run = await cli([...demo(dir, seed), '--json'], { env: clock });
      expect(run.code, run.stderr).toBe(0);
      heads.push((JSON.parse(run.stdout) as { head: { hash: string } }).head.hash);
    }
    expect(new Set(heads).size).toBe(3);
    const kept = keptFiles(dir).sort();
    expect(kept).toEqual(['chain-2030-01-01T00-00-00.000Z-1.db', 'chain-2030-01-01T00-00-00.000Z.db']);
    // Each run's chain is still there, whole: seed 1 in the first kept file, seed 2 in the second.
    expect(await headOf(join(dir, 'chain-2030-01-01T00-00-00.000Z.db'))).toBe(heads[0]);
    expect(await headOf(join(dir, 'chain-2030-01-01T00-00-00.000Z-1.db'))).toBe(heads[1]);
    expect(await headOf(join(dir, 'chain.db'))).toBe(heads[2]);
  }, 120_000);

  it('--json says where the previous file was kept (null when nothing was set aside)', async () => {
    const dir = join(work, 'json');
    const first = await cli([...demo(dir, 7), '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ previousFileKeptAs: null });
    const second = await cli([...demo(dir, 7), '--json']);
    expect(second.code, second.stderr).toBe(0);
    const kept = keptFiles(dir);
    expect(kept).toHaveLength(1);
    expect(JSON.parse(second.stdout)).toMatchObject({ previousFileKeptAs: join(dir, kept[0] ?? '') });
  }, 120_000);

  it('refuses (exit 2) a file that holds another workspace besides the demo, and leaves it where it is', async () => {
    const dir = join(work, 'shared');
    const file = join(dir, 'chain.db');
    const first = await cli(demo(dir, 7));
    expect(first.code, first.stderr).toBe(0);
    // An embedding agent shares the default file (the README's example) and is still running.
    const store = await openSqliteChainStore({ file });
    const agent = createOperationalState({ store, workspaceId: 'agent-7' }, { logger: silentLogger });
    try {
      await agent.transitionTo('ready', 'all §9.2 gates pass');
      const refused = await cli(demo(dir, 7));
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/holds other workspaces besides demo \("agent-7"\)/);
      expect(refused.stderr).toContain('--store <another dir>');
      expect(refused.stdout).toBe('');
      expect(keptFiles(dir)).toEqual([]);
      // The agent's appends still land in the file the demo left in place.
      await agent.transitionTo('paused', 'operator');
    } finally {
      await agent.stop();
      await store.close();
    }
    expect((await workspacesIn(file)).sort()).toEqual(['agent-7', 'demo']);
    const verify = await cli(['verify', '--store', dir, '--workspace', 'agent-7']);
    expect(verify.stdout).toMatch(/ok, [0-9]+ events/);
    // A new workspace in the shared file needs nothing set aside, and --resume never does.
    const fresh = await cli(demo(dir, 7, ['--workspace', 'demo-2']));
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(keptFiles(dir)).toEqual([]);
    expect((await workspacesIn(file)).sort()).toEqual(['agent-7', 'demo', 'demo-2']);
  }, 120_000);

  it.skipIf(!canRunAsNobody)(
    'a file it cannot set aside (a read-only directory, as nobody) exits 2 naming the directory, and changes nothing',
    async () => {
      const dir = join(work, 'readonly');
      const first = await cli(demo(dir, 7));
      expect(first.code, first.stderr).toBe(0);
      chmodSync(join(dir, 'chain.db'), 0o644);
      chmodSync(dir, 0o555);
      const before = readdirSync(dir).sort();
      const run = await cliAsNobody(demo(dir, 7));
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`cannot set aside the previous chain file ${join(dir, 'chain.db')}`);
      expect(run.stderr).toContain(`the directory ${dir} is not writable`);
      expect(run.stderr).toContain('--store <a writable dir>');
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(readdirSync(dir).sort()).toEqual(before);
      expect(await headOf(join(dir, 'chain.db'))).not.toBeNull();
    },
  );
});
