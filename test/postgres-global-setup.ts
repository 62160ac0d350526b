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
  }
}

const SCRIPT = join(import.meta.dirname, '..', 'scripts', 'test-postgres.sh');

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
export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
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
