import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../scripts/test-postgres.sh', import.meta.url));

/**
 * The PostgreSQL server the bench runs against: OPSTATE_PG_URL when set, else a throwaway cluster started
 * from Debian's binaries with scripts/test-postgres.sh (as the tests do), stopped by `stop()`. Null when
 * neither is possible.
 */
export function benchPostgres(): { url: string; stop(): void } | null {
  const given = process.env.OPSTATE_PG_URL;
  if (given !== undefined && given !== '') return { url: given, stop() {} };
  let haveBinaries: boolean;
  try {
    haveBinaries = readdirSync('/usr/lib/postgresql').some((v) =>
      existsSync(`/usr/lib/postgresql/${v}/bin/initdb`),
    );
  } catch {
    haveBinaries = false;
  }
  if (!haveBinaries) return null;
  const dir = mkdtempSync(join(tmpdir(), 'opstate-bench-pg-'));
  const port = String(40_000 + Math.floor(Math.random() * 20_000));
  const out = execFileSync('bash', [SCRIPT, 'start', dir, port], { encoding: 'utf8' });
  const url = out.trim().split('\n').pop() ?? '';
  process.stderr.write(`bench: started a throwaway PostgreSQL at ${url}\n`);
  return {
    url,
    stop() {
      execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore' });
    },
  };
}
