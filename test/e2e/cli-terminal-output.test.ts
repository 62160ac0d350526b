/*
 * What the CLI writes to a terminal: stored strings are free text, so the table and text output show
 * control characters escaped (the store keeps them as they were), and a reader that goes away
 * (`| head`) ends the command quietly.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOperationalState, openSqliteChainStore, silentLogger } from '../../src/index.js';
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
