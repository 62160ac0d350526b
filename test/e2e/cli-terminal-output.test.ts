/*
 * What the CLI writes to a terminal: stored strings are free text, so the table and text output show
 * control characters escaped (the store keeps them as they were), and a reader that goes away
 * (`| head`) ends the command quietly.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createOperationalState, openSqliteChainStore, silentLogger } from '../../src/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { cli } from '../support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'opstate-terminal-'));

// Clear the screen, turn text red, retitle the window, ring the bell, return to overwrite the line,
// and the same through DEL and a C1 CSI, with a line break between.
const HOSTILE =
  'ok \x1b[2J\x1b[31mRED\x1b[0m \x1b]0;TITLE\x07 bell\x07 cr\rOVER del\x7f c1\u009b31m\nnext line';
// eslint-disable-next-line no-control-regex -- finding them is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

async function hostileStore(): Promise<string> {
  const dir = join(work, 'hostile');
  const store = await openSqliteChainStore({ file: join(dir, 'chain.db') });
  const ops = createOperationalState({ store, workspaceId: 'demo' }, { logger: silentLogger });
  await ops.transitionTo('ready', HOSTILE);
  await ops.stop();
  await store.close();
  return dir;
}

describe('control characters in stored strings', () => {
  it('events and cockpit --once show them escaped; --json and the store keep them as they are', async () => {
    const dir = await hostileStore();
    const table = await cli(['events', '--store', dir]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).not.toMatch(RAW_CONTROL);
    expect(table.stdout).toContain('"ok \\u001b[2J\\u001b[31mRED\\u001b[0m \\u001b]0;TITLE\\u0007');
    const cockpit = await cli(['cockpit', '--store', dir, '--once']);
    expect(cockpit.code, cockpit.stderr).toBe(0);
    expect(cockpit.stdout).not.toMatch(RAW_CONTROL);
    expect(cockpit.stdout).toContain('ok \\u001b[2J\\u001b[31mRED\\u001b[0m');
    // Each row stays one line: the line break in the trigger is escaped too.
    expect(cockpit.stdout.split('\n').filter((l) => l.includes('next line'))).toEqual([]);

    const json = await cli(['events', '--store', dir, '--json']);
    const events = JSON.parse(json.stdout) as { payload: { trigger?: string } }[];
    expect(events.map((e) => e.payload.trigger)).toContain(HOSTILE);
    const store = await openSqliteChainStore({ file: join(dir, 'chain.db'), readOnly: true });
    const stored = await store.read('demo', { limit: 10 });
    await store.close();
    expect(stored.map((e) => e.payload.trigger)).toContain(HOSTILE);
  }, 60_000);
});

const entry = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** `opstate <args> <redirect>` in a shell: what it printed, and the CLI's stderr and exit code. */
function piped(args: readonly string[], redirect: string) {
  const child = spawn(
    'bash',
    ['-c', `"$@" ${redirect}; echo "opstate exit $\{PIPESTATUS[0]}" >&2`, 'bash'].concat(
      process.execPath,
      '--import',
      tsxLoader,
      entry,
      ...args,
    ),
    { cwd: work, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ stdout: string; stderr: string }>((resolve) =>
    child.on('close', () => resolve({ stdout, stderr })),
  );
}

describe('a reader that goes away', () => {
  it('events | head -3 ends quietly with exit 0 (no EPIPE crash)', async () => {
    const dir = join(work, 'long');
    mkdirSync(dir);
    const store = await openSqliteChainStore({ file: join(dir, 'chain.db') });
    for (let from = 0; from < 5000; from += 1000) {
      await store.append(
        'demo',
        Array.from({ length: 1000 }, (_, i) => ({
          eventType: GENERIC_TRANSITION_EVENT,
          payload: { n: from + i, note: 'x'.repeat(60) },
          idempotencyKey: `k-${from + i}`,
        })),
      );
    }
    await store.close();
    const out = await piped(['events', '--store', dir, '--limit', '5000'], '| head -3');
    expect(out.stdout.split('\n')).toHaveLength(4);
    expect(out.stderr).toBe('opstate exit 0\n');
  }, 60_000);

  it('demo --speed 0 | head -1 ends quietly with exit 0', async () => {
    const out = await piped(['demo', '--store', join(work, 'demo'), '--speed', '0'], '| head -1');
    expect(out.stdout.split('\n')).toHaveLength(2);
    expect(out.stderr).toBe('opstate exit 0\n');
  }, 60_000);

  it.skipIf(!existsSync('/dev/full'))(
    'any other write error is not hidden: events > /dev/full exits 1 naming it',
    async () => {
      const dir = join(work, 'full');
      const store = await openSqliteChainStore({ file: join(dir, 'chain.db') });
      await store.append('demo', [
        { eventType: GENERIC_TRANSITION_EVENT, payload: { n: 1 }, idempotencyKey: 'k-1' },
      ]);
      await store.close();
      const out = await piped(['events', '--store', dir], '> /dev/full');
      expect(out.stderr).toBe(
        'opstate: cannot write to standard output: ENOSPC: no space left on device, write\nopstate exit 1\n',
      );
    },
    60_000,
  );
});
