import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL URL for the integration tests, or null when none could be had (tests skip loudly). */
    pgUrl: string | null;
    /** The server itself, when `pgUrl` goes through PgBouncer (OPSTATE_TEST_VIA_PGBOUNCER=1); else `pgUrl`. */
    pgDirectUrl: string | null;
    /** A transaction-pooling PgBouncer in front of the test server, or null when none could be had. */
    pgbouncerUrl: string | null;
  }
}

const SCRIPT = join(import.meta.dirname, '..', 'scripts', 'test-postgres.sh');
const BOUNCER_SCRIPT = join(import.meta.dirname, '..', 'scripts', 'test-pgbouncer.sh');
const BOUNCER_BIN = '/usr/sbin/pgbouncer';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function postgresVersions(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql').filter((v) =>
      existsSync(`/usr/lib/postgresql/${v}/bin/initdb`),
    );
  } catch {
    return [];
  }
}

function banner(lines: string[]): void {
  const bar = '!'.repeat(100);
  console.warn(`\n${bar}\n${lines.map((l) => `!! ${l}`).join('\n')}\n${bar}\n`);
}

/**
 * Finds PostgreSQL for the integration tests: OPSTATE_PG_URL if set; else a throwaway server started from
 * Debian's binaries (stopped and deleted after the run); else, on CI, a failure, and on a dev machine a
 * loud notice that the PostgreSQL tests will be skipped.
 */
async function findPostgres(project: TestProject): Promise<(() => void) | undefined> {
  const given = process.env.OPSTATE_PG_URL;
  if (given !== undefined && given !== '') {
    project.provide('pgUrl', given);
    return undefined;
  }
  const haveBinaries = postgresVersions().length > 0 && existsSync(SCRIPT);
  if (!haveBinaries) {
    const how = 'apt-get install -y postgresql, or set OPSTATE_PG_URL=postgres://user@host:port/db';
    if (process.env.CI === 'true') {
      throw new Error(`CI=true but OPSTATE_PG_URL is unset and no PostgreSQL binaries were found (${how})`);
    }
    banner([
      'PostgreSQL tests WILL NOT RUN: OPSTATE_PG_URL is unset and no PostgreSQL binaries were found.',
      'Every "[postgres]" test below is skipped; the memory and SQLite tests still run.',
      `To run them: ${how}`,
    ]);
    project.provide('pgUrl', null);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'opstate-pg-'));
  const port = await freePort();
  const out = execFileSync('bash', [SCRIPT, 'start', dir, String(port)], { encoding: 'utf8' });
  const url = out.trim().split('\n').pop() ?? '';
  console.warn(`[opstate tests] started a throwaway PostgreSQL at ${url} (data in ${dir})`);
  project.provide('pgUrl', url);
  return () => {
    execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore' });
  };
}

/**
 * Finds PgBouncer for the pooled-connection tests: OPSTATE_PGBOUNCER_URL if set; else one started in
 * transaction pooling mode in front of the test server from Debian's binary (stopped after the run);
 * else, on CI, a failure. With OPSTATE_TEST_VIA_PGBOUNCER=1 every `[postgres]` test then runs through it
 * (`pgUrl` is the pooled URL, `pgDirectUrl` the server's).
 */
async function findPgbouncer(project: TestProject, pgUrl: string | null): Promise<(() => void) | undefined> {
  const given = process.env.OPSTATE_PGBOUNCER_URL;
  let url: string | null = given !== undefined && given !== '' ? given : null;
  let stop: (() => void) | undefined;
  if (url === null && pgUrl !== null && existsSync(BOUNCER_BIN) && existsSync(BOUNCER_SCRIPT)) {
    const dir = mkdtempSync(join(tmpdir(), 'opstate-pgbouncer-'));
    const port = await freePort();
    const out = execFileSync('bash', [BOUNCER_SCRIPT, 'start', dir, String(port), pgUrl], {
      encoding: 'utf8',
    });
    url = out.trim().split('\n').pop() ?? null;
    console.warn(`[opstate tests] started a throwaway PgBouncer (transaction mode) at ${url}`);
    stop = () => execFileSync('bash', [BOUNCER_SCRIPT, 'stop', dir], { stdio: 'ignore' });
  }
  if (url === null && pgUrl !== null) {
    if (process.env.CI === 'true') {
      throw new Error('CI=true but OPSTATE_PGBOUNCER_URL is unset and no pgbouncer binary was found');
    }
    banner(['PgBouncer tests WILL NOT RUN: no pgbouncer (apt-get install -y pgbouncer).']);
  }
  project.provide('pgbouncerUrl', url);
  project.provide('pgDirectUrl', pgUrl);
  if (process.env.OPSTATE_TEST_VIA_PGBOUNCER === '1') {
    if (url === null) throw new Error('OPSTATE_TEST_VIA_PGBOUNCER=1 but no PgBouncer could be had');
    project.provide('pgUrl', url);
  }
  return stop;
}

export default async function setup(project: TestProject): Promise<() => void> {
  const stopPostgres = await findPostgres(project);
  const stopBouncer = await findPgbouncer(project, project.getProvidedContext().pgUrl);
  return () => {
    stopBouncer?.();
    stopPostgres?.();
  };
}
