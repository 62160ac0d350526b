// Installs bench/peers (the libraries the bench compares opstate against) from its own lockfile. They live
// apart from the root install because Emmett 0.42 asks for commander ^12 while opstate uses 14: npm would
// refuse the root tree. Run by the root `prepare` script, so `npm install` / `npm ci` at the root set up
// everything; skipped where bench/ is absent (an installed package).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const dir = fileURLToPath(new URL('../bench/peers/', import.meta.url));
// `prepare` also runs before `npm pack`/`publish`, where the bench peers are not needed.
const installing = ['install', 'ci', undefined].includes(process.env.npm_command);
if (installing && existsSync(`${dir}package-lock.json`)) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    // npm's report goes to stderr: a caller parsing this process's stdout (`npm pack --json`) stays clean.
    stdio: ['ignore', 2, 2],
  });
  if (run.status !== 0) {
    process.stderr.write(`install-bench-peers: npm ci in ${dir} failed (exit ${run.status ?? run.signal})\n`);
    process.exit(run.status ?? 1);
  }
}
