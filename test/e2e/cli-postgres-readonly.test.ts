import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { loadMigrations } from '../../src/store/index.js';
import { GENERIC_TRANSITION_EVENT } from '../../src/machine/index.js';
import { openPostgresChainStore } from '../../src/store/postgres/postgres-store.js';
import { cli } from '../support/cli.js';
import { PG_URL, privateDatabaseUrl } from '../support/engines.js';

async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

function as(url: string, user: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = '';
  return u.toString();
}

describe.skipIf(PG_URL === null)('[postgres] read commands never write', () => {
  it('events and verify work under a role with SELECT only, and run no migration', async () => {
    const url = await privateDatabaseUrl();
    const store = await openPostgresChainStore({ connectionString: url });
    await store.append('ro', [
      { eventType: GENERIC_TRANSITION_EVENT, payload: { trigger: 'one' } },
      { eventType: GENERIC_TRANSITION_EVENT, payload: { trigger: 'two' } },
    ]);
    await store.close();
    const role = `reader_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    await sql(
      url,
      `CREATE ROLE ${role} LOGIN; GRANT USAGE ON SCHEMA opstate TO ${role};
       GRANT SELECT ON ALL TABLES IN SCHEMA opstate TO ${role};`,
    );
    const reader = as(url, role);
    const before = await sql(url, 'SELECT name, applied_at FROM opstate.schema_migrations ORDER BY name');

    const events = await cli(['events', '--store', reader, '--workspace', 'ro', '--json']);
    expect(events.stderr).toBe('');
    expect(events.code).toBe(0);
    expect((JSON.parse(events.stdout) as { seq: number }[]).map((e) => e.seq)).toStrictEqual([1, 2]);
    const verify = await cli(['verify', '--store', reader, '--workspace', 'ro']);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/workspace ro: ok, 2 events/);
    const all = await cli(['verify', '--store', reader, '--all', '--json']);
    expect(all.code).toBe(0);

    // The role really cannot write: the same store refuses an append with a permission error.
    const asReader = await openPostgresChainStore({ connectionString: reader, migrate: 'check' });
    await expect(
      asReader.append('ro', [{ eventType: GENERIC_TRANSITION_EVENT, payload: { trigger: 'x' } }]),
    ).rejects.toThrow(/permission denied/);
    await asReader.close();
    expect(
      await sql(url, 'SELECT name, applied_at FROM opstate.schema_migrations ORDER BY name'),
    ).toStrictEqual(before);
  }, 60_000);

  it('a database with no opstate schema: exit 2 naming what is missing, and nothing created', async () => {
    const url = await privateDatabaseUrl();
    for (const command of [['events'], ['verify'], ['verify', '--all']]) {
      const r = await cli([...command, '--store', url, '--workspace', 'ws']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/no opstate schema in .*opstate migrate/);
    }
    expect(
      await sql(url, "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'opstate'"),
    ).toStrictEqual([{ n: 0 }]);
  }, 60_000);

  it('a schema older than the package: exit 2 saying which migration is missing; `opstate migrate` fixes it', async () => {
    const url = await privateDatabaseUrl();
    const first = loadMigrations().find((m) => m.name.startsWith('001_'));
    if (first === undefined) throw new Error('no 001 migration');
    await sql(
      url,
      `${first.sql};
       CREATE TABLE opstate.schema_migrations (name text PRIMARY KEY, checksum text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now());
       INSERT INTO opstate.schema_migrations (name, checksum) VALUES ('${first.name}', '${first.checksum}');`,
    );
    const r = await cli(['verify', '--store', url, '--workspace', 'ws']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /older than this package: 002_slim_set_append\.sql, 003_vocabulary_per_statement\.sql(, \d{3}_[a-z0-9_]+\.sql)* not applied/,
    );
    const m = await cli(['migrate', '--store', url]);
    expect(m.code).toBe(0);
    expect(m.stdout).toMatch(
      /applied: 002_slim_set_append\.sql, 003_vocabulary_per_statement\.sql(, \d{3}_[a-z0-9_]+\.sql)*$/m,
    );
    const again = await cli(['verify', '--store', url, '--workspace', 'ws']);
    expect(again.code).toBe(1); // now it opens, and reports the unknown workspace as a failed verify
    expect(again.stdout).toMatch(/unknown_workspace/);
  }, 60_000);
});
