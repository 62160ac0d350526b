import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteChainStore } from '../../src/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { cli } from '../support/cli.js';

const root = mkdtempSync(join(tmpdir(), 'opstate-corrupt-row-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a stored payload that is not JSON', () => {
  it('makes events --json name the row and its kind as verify does, not fail as unavailable', async () => {
    const dir = join(root, 'store');
    mkdirSync(dir);
    const file = join(dir, 'chain.db');
    const store = await openSqliteChainStore({ file });
    await store.append(
      'ws',
      [1, 2, 3].map((n) => ({ eventType: GENERIC_TRANSITION_EVENT, payload: { n } })),
    );
    await store.close();
    // Anyone who can write the file can silence the append-only triggers and edit a row.
    const db = new Database(file);
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as {
      name: string;
    }[])
      db.exec(`DROP TRIGGER "${name}"`);
    db.exec(`UPDATE event_log SET payload_canonical = '{"n":2' WHERE seq = 2`);
    db.close();

    const verify = await cli(['verify', '--store', dir, '--workspace', 'ws']);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain('FAILED at seq 2: non_canonical');
    const events = await cli(['events', '--store', dir, '--workspace', 'ws', '--json']);
    expect(events.code).toBe(1);
    expect(events.stderr).not.toContain('unavailable');
    expect(events.stderr).toContain('seq 2: non_canonical');
  });
});
