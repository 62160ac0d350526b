/*
 * The `opstate` binary against a real embedded store (`--store <dir>` = `<dir>/chain.db`): the demo
 * writes it, the read commands read it (and create nothing where there is no store), and a tampered row
 * makes `verify` fail with its seq.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChainEvent } from '../../src/index.js';
import { cli, cliProcess } from '../support/cli.js';
import { PG_URL } from '../support/engines.js';

const root = mkdtempSync(join(tmpdir(), 'opstate-cli-store-'));
const store = join(root, 'store');

describe('opstate on the embedded store', () => {
  let demoOut = '';
  beforeAll(async () => {
    const r = await cli(['demo', '--store', store, '--speed', '0', '--seed', '7', '--transitions', '24'], {
      cwd: root,
      timeoutMs: 120_000,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    demoOut = r.stdout;
  }, 150_000);

  it('demo prints one line per transition, the summary, and where to look', () => {
    expect(demoOut).toMatch(
      /booting → ready {4}"all §9\.2 gates pass"\n\s+seq \d+–\d+: kora\.operational_state\.transitioned \+ kora\.boot\.ready/,
    );
    expect(demoOut).toMatch(/transitions {5}24 \(final state: stopped\)/);
    expect(demoOut).toMatch(/verify {10}ok/);
    // Run from source here: the closing lines name a command that works from source.
    expect(demoOut).toMatch(/Look at it: {2}npx tsx \S+\/src\/cli\/main\.ts events --store /);
    expect(demoOut).toContain(`main.ts verify --store ${store} --workspace demo`);
  });

  it('events --json prints one array of stored events, filtered by prefix', async () => {
    const r = await cli(['events', '--store', store, '--json', '--prefix', 'kora.boot.']);
    expect(r.code).toBe(0);
    const events = JSON.parse(r.stdout) as ChainEvent[];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      workspaceId: 'demo',
      eventType: 'kora.boot.ready',
      payload: { from_primary_state: 'booting', to_primary_state: 'ready', trigger: 'all §9.2 gates pass' },
    });
    expect(Object.keys(events[0] ?? {}).sort()).toStrictEqual(
      [
        'correlationId',
        'eventId',
        'eventType',
        'hash',
        'idempotencyKey',
        'occurredAt',
        'payload',
        'prevHash',
        'seq',
        'workspaceId',
      ].sort(),
    );
  });

  it('events prints a table with family, seq, time, type and payload', async () => {
    const r = await cli(['events', '--store', store, '--after', '2', '--limit', '3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/family.*seq.*time.*type.*payload/);
    expect(r.stdout.match(/operational_state|boot /g)?.length).toBeGreaterThanOrEqual(3);
  });

  it('verify passes with the length and head; --all covers every workspace; --json shapes', async () => {
    const r = await cli(['verify', '--store', store]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^workspace demo: ok, \d+ events, head [0-9a-f]{64}\n$/);
    const all = await cli(['verify', '--store', store, '--all', '--json']);
    expect(JSON.parse(all.stdout)).toStrictEqual([
      expect.objectContaining({ workspaceId: 'demo', ok: true }),
    ]);
  });

  it('the demo wrote <dir>/chain.db', () => {
    expect(existsSync(join(store, 'chain.db'))).toBe(true);
  });

  it('read commands on a missing store exit 2 naming what is missing, and create nothing', async () => {
    const missing = join(root, 'no', 'such', 'dir');
    for (const command of ['events', 'verify']) {
      const r = await cli([command, '--store', missing]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`store directory ${missing} does not exist`);
    }
    expect(existsSync(join(root, 'no'))).toBe(false);

    const empty = join(root, 'empty');
    mkdirSync(empty);
    for (const command of ['events', 'verify']) {
      const r = await cli([command, '--store', empty]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${join(empty, 'chain.db')} does not exist`);
    }
    expect(readdirSync(empty)).toStrictEqual([]);

    const blank = await cli(['verify', '--store', '']);
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain('--store is empty');
  });

  it('--help says what --store <dir> means', async () => {
    const r = await cli(['events', '--help']);
    expect(r.stdout).toMatch(/<dir>\/chain\.db/);
  });

  it('exits 1 on a tampered chain, naming the seq and the kind', async () => {
    const copy = join(root, 'tampered');
    cpSync(store, copy, { recursive: true });
    // Tampering as whoever can write the file would: drop the append-only trigger and rewrite a row.
    const db = new Database(join(copy, 'chain.db'));
    db.exec(`
      DROP TRIGGER event_log_no_update;
      UPDATE event_log SET payload_canonical = replace(payload_canonical, 'claim acquired', 'claim ACQUIRED')
        WHERE seq = (SELECT min(seq) FROM event_log WHERE payload_canonical LIKE '%claim acquired%');`);
    const row = db
      .prepare(`SELECT min(seq) AS seq FROM event_log WHERE payload_canonical LIKE '%claim ACQUIRED%'`)
      .get() as { seq: number } | undefined;
    db.close();
    const r = await cli(['verify', '--store', copy]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FAILED at seq ${row?.seq}: hash_mismatch`);
    const json = await cli(['verify', '--store', copy, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      firstDivergence: { seq: row?.seq, kind: 'hash_mismatch' },
    });
  });
});

describe.skipIf(PG_URL === null)('opstate on PostgreSQL', () => {
  const url = PG_URL ?? '';
  it('migrate applies nothing twice; demo and verify run against the server', async () => {
    const first = await cli(['migrate', '--store', url]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^(schema is up to date|applied: .*001_chain_log.*)\n$/);
    const again = await cli(['migrate', '--store', url]);
    expect(again.stdout).toBe('schema is up to date\n');
    const ws = `cli-${process.pid}-${Date.now()}`;
    const demo = await cli([
      'demo',
      '--store',
      url,
      '--workspace',
      ws,
      '--speed',
      '0',
      '--transitions',
      '20',
      '--json',
    ]);
    expect(demo.code).toBe(0);
    expect(JSON.parse(demo.stdout)).toMatchObject({ workspaceId: ws, transitions: 20, verify: { ok: true } });
    expect(demo.stdout).not.toContain(new URL(url).password || '\u0000');
    const verify = await cli(['verify', '--store', url, '--workspace', ws]);
    expect(verify.code).toBe(0);
  });

  it('events --follow prints events appended by another process as they land', async () => {
    const { openPostgresChainStore } = await import('../../src/store/postgres/postgres-store.js');
    const writer = await openPostgresChainStore({ connectionString: url });
    const ws = `follow-${process.pid}-${Date.now()}`;
    const payload = (trigger: string) => ({
      from_primary_state: 'booting',
      to_primary_state: 'booting',
      claim_permission: 'none',
      degradation_reasons: [],
      trigger,
    });
    try {
      await writer.append(ws, [
        { eventType: 'kora.operational_state.transitioned', payload: payload('before') },
      ]);
      const proc = cliProcess(['events', '--store', url, '--workspace', ws, '--follow']);
      try {
        await proc.waitFor(/"before"/);
        await writer.append(ws, [
          { eventType: 'kora.operational_state.transitioned', payload: payload('while following') },
        ]);
        await proc.waitFor(/"while following"/);
      } finally {
        proc.child.kill('SIGINT');
      }
      expect(await proc.exited).toBe(0);
    } finally {
      await writer.close();
    }
  });

  it('migrate refuses a directory, naming it', async () => {
    const r = await cli(['migrate', '--store', './somewhere']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('./somewhere is not a postgres:// URL');
  });
});
