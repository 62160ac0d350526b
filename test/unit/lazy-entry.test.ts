import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// `import 'opstate'` must not pay for what it does not use: a database driver, the inspector server or
// the CLI load only when a function that needs them is called. This imports the entry in a fresh
// process with a resolve hook that records every module it loads.

const run = promisify(execFile);
const entry = pathToFileURL(fileURLToPath(new URL('../../src/index.ts', import.meta.url))).href;
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const dir = mkdtempSync(join(tmpdir(), 'opstate-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function modulesLoadedBy(script: string): Promise<string[]> {
  const log = join(dir, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});`,
  );
  writeFileSync(log, '');
  await run(
    process.execPath,
    ['--import', tsxLoader, '--import', pathToFileURL(register).href, '--input-type=module', '-e', script],
    { timeout: 30_000 },
  );
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

const HEAVY = [
  /\/node_modules\/pg\//,
  /\/node_modules\/better-sqlite3\//,
  /\/node_modules\/@electric-sql\/pglite\//,
  /\/node_modules\/ws\//,
  // Optional peer and the cockpit's exporter: loaded by the first runtime or `cockpit --metrics`.
  /\/node_modules\/@opentelemetry\//,
  /\/node_modules\/prom-client\//,
  /^node:http$/,
  /\/node_modules\/commander\//,
  /\/src\/cli\//,
  /\/src\/inspect\/server\.ts$/,
];

describe('the library entry loads lazily', () => {
  it('importing it loads no database driver, inspector server or CLI', async () => {
    const loaded = await modulesLoadedBy(`await import(${JSON.stringify(entry)});`);
    expect(loaded.some((u) => u.endsWith('/src/index.ts'))).toBe(true);
    expect(loaded.filter((u) => HEAVY.some((re) => re.test(u)))).toEqual([]);
  });

  it('openSqliteChainStore loads better-sqlite3 on first call, and the store works', async () => {
    const file = join(dir, 'lazy', 'chain.db');
    const loaded = await modulesLoadedBy(
      `const { openSqliteChainStore } = await import(${JSON.stringify(entry)});
       const store = await openSqliteChainStore({ file: ${JSON.stringify(file)} });
       await store.append('ws', [{ eventType: 'kora.operational_state.transitioned', payload: { n: 1 } }]);
       const result = await store.verify('ws');
       await store.close();
       if (!result.ok || result.length !== 1) throw new Error('verify: ' + JSON.stringify(result));`,
    );
    expect(loaded.some((u) => /\/node_modules\/better-sqlite3\//.test(u))).toBe(true);
  });

  it('startInspector loads the server on first call, and it works', async () => {
    const loaded = await modulesLoadedBy(
      `const { startInspector } = await import(${JSON.stringify(entry)});
       const h = await startInspector({});
       const res = await fetch(h.url);
       if (res.status !== 200) throw new Error('inspector answered ' + res.status);
       await h.close();`,
    );
    expect(loaded.some((u) => /\/node_modules\/ws\//.test(u))).toBe(true);
    expect(loaded.some((u) => u.endsWith('/src/inspect/server.ts'))).toBe(true);
  });
});
