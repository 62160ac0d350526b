// Installs bench/peers (the libraries the bench compares opstate against) from its own lockfile, the first
// time `npm run bench` runs and again whenever that lockfile changes. They live apart from the root install
// because Emmett 0.42 asks for commander ^12 while opstate uses 14: npm would refuse the root tree. Not an
// install script: `npm install` of opstate, or of its clone, compiles no bench peer (sqlite3 takes minutes).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const dir = fileURLToPath(new URL('../bench/peers/', import.meta.url));
const lock = `${dir}package-lock.json`;
const installed = `${dir}node_modules/.package-lock.json`;
const current = existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs;
if (!current) {
  process.stderr.write('installing the bench peers (bench/peers, npm ci; once, about 4 minutes)\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    // npm's report goes to stderr: a caller parsing this process's stdout stays clean.
    stdio: ['ignore', 2, 2],
  });
  if (run.status !== 0) {
    process.stderr.write(`install-bench-peers: npm ci in ${dir} failed (exit ${run.status ?? run.signal})\n`);
    process.exit(run.status ?? 1);
  }
}
