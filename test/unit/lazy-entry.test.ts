import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// `import 'opstate'` must not pay for what it does not use: a database driver loads when a store is
// opened, and the inspector and cockpit servers live in their own subpaths. Each entry loads only what
// it holds. This imports an entry in a fresh process with a resolve hook that records every module it
// loads.

const run = promisify(execFile);
const source = (path: string) =>
  pathToFileURL(fileURLToPath(new URL(`../../src/${path}`, import.meta.url))).href;
const entry = source('index.ts');
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

/** Every subpath entry, from package.json's exports, with the heavy modules it may load on import. */
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, string | { import: string }>;
};
const SERVERS = [/\/node_modules\/ws\//, /^node:http$/, /\/src\/inspect\/server\.ts$/];
const ALLOWED: Record<string, readonly RegExp[]> = {
  // Serving a page is what these entries are for.
  './inspector': SERVERS,
  './cockpit': [...SERVERS, /\/src\/cockpit\//],
};

describe('every package entry loads only what it holds', () => {
  it('importing the root loads no database driver, inspector server or CLI', async () => {
    // ESM imports show in the resolve hook; a CommonJS driver loaded by require() in its cache.
    const loaded = await modulesLoadedBy(
      `const { createRequire } = await import('node:module');
       await import(${JSON.stringify(entry)});
       const drivers = Object.keys(createRequire(import.meta.url).cache).filter((k) =>
         /\\/node_modules\\/(pg|pg-copy-streams|better-sqlite3)\\//.test(k));
       if (drivers.length > 0) throw new Error('loaded by the import: ' + drivers.join(', '));`,
    );
    expect(loaded.some((u) => u.endsWith('/src/index.ts'))).toBe(true);
    expect(loaded.filter((u) => HEAVY.some((re) => re.test(u)))).toEqual([]);
    // The PostgreSQL store's own modules load with its first open.
    expect(loaded.filter((u) => u.includes('/src/store/postgres/'))).toEqual([]);
  });

  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string' || subpath === '.') continue;
    it(`importing opstate${subpath.slice(1)} loads no database driver or CLI${ALLOWED[subpath] ? '' : ', and no server'}`, async () => {
      const file = target.import.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts');
      const loaded = await modulesLoadedBy(`await import(${JSON.stringify(source(file))});`);
      expect(loaded.some((u) => u.endsWith(`/src/${file}`))).toBe(true);
      const allowed = ALLOWED[subpath] ?? [];
      const heavy = loaded.filter((u) => HEAVY.some((re) => re.test(u)) && !allowed.some((re) => re.test(u)));
      expect(heavy).toEqual([]);
    });
  }

  it('openSqliteChainStore loads better-sqlite3 on first call, and the store works', async () => {
    const file = join(dir, 'lazy', 'chain.db');
    // The driver is CommonJS, loaded by require() where a connection opens: it shows in require's cache.
    await modulesLoadedBy(
      `const { createRequire } = await import('node:module');
       const cache = createRequire(import.meta.url).cache;
       const sqliteLoaded = () => Object.keys(cache).some((k) => k.includes('/node_modules/better-sqlite3/'));
       const { openSqliteChainStore } = await import(${JSON.stringify(entry)});
       if (sqliteLoaded()) throw new Error('better-sqlite3 was loaded by the import');
       const store = await openSqliteChainStore({ file: ${JSON.stringify(file)} });
       if (!sqliteLoaded()) throw new Error('better-sqlite3 was not loaded by the open');
       await store.append('ws', [{ eventType: 'kora.operational_state.transitioned', payload: { n: 1 } }]);
       const result = await store.verify('ws');
       await store.close();
       if (!result.ok || result.length !== 1) throw new Error('verify: ' + JSON.stringify(result));`,
    );
  });

  it('the writer thread (node:worker_threads) loads only for a store opened with writer "worker"', async () => {
    const file = join(dir, 'threads', 'chain.db');
    const opened = (writer: string) =>
      modulesLoadedBy(
        `const { openSqliteChainStore } = await import(${JSON.stringify(entry)});
         const store = await openSqliteChainStore({ file: ${JSON.stringify(file)}, writer: '${writer}' });
         await store.append('ws', [{ eventType: 'kora.operational_state.transitioned', payload: { w: '${writer}' } }]);
         await store.close();`,
      );
    const threadModules = (loaded: string[]) =>
      loaded.filter((u) => u === 'node:worker_threads' || u.endsWith('/src/store/sqlite/worker-appender.ts'));
    expect(threadModules(await opened('main'))).toEqual([]);
    expect(threadModules(await opened('worker'))).toEqual(
      expect.arrayContaining(['node:worker_threads', expect.stringMatching(/worker-appender\.ts$/)]),
    );
  });

  it('zod loads only to word a refused input: a store and a runtime used correctly never load it', async () => {
    const file = join(dir, 'no-zod', 'chain.db');
    // zod marks globalThis when it first evaluates, whichever of its builds is loaded.
    await modulesLoadedBy(
      `const zodLoaded = () => '__zod_globalConfig' in globalThis;
       const opstate = await import(${JSON.stringify(entry)});
       if (zodLoaded()) throw new Error('zod was loaded by the import');
       const store = await opstate.openSqliteChainStore({ file: ${JSON.stringify(file)} });
       const rt = opstate.createOperationalState({ store, workspaceId: 'ws' }, { logger: opstate.silentLogger, historySize: 50 });
       await rt.send({ type: 'GATES_PASSED' });
       await rt.send({ type: 'UPDATE_POSTURE', trigger: 'posture', claimPermission: 'normal', addReasons: ['cost'] });
       await rt.transitionTo('active', 'claim acquired');
       await rt.flush();
       await store.read('ws', { afterSeq: 1, limit: 10 });
       const verified = await store.verify('ws');
       if (!verified.ok) throw new Error('verify: ' + JSON.stringify(verified));
       if (zodLoaded()) throw new Error('zod was loaded by valid use');
       const refused = await rt.send({ type: 'UPDATE_POSTURE', addReasons: ['bogus'] }).then(() => null, (e) => e);
       if (!(refused instanceof opstate.OperationalStateInputError) || !refused.message.includes('addReasons.0')
           || refused.value !== '"bogus"') throw new Error('refused with ' + String(refused));
       if (!zodLoaded()) throw new Error('zod was not loaded to word the refusal');
       await rt.stop();
       await store.close();`,
    );
  });

  it('the OpenTelemetry API loads only once a MeterProvider is registered globally', async () => {
    // Both of the API's builds resolve through require() here (it is an installed devDependency).
    const apiLoaded = `Object.keys((await import('node:module')).createRequire(import.meta.url).cache)
         .some((k) => k.includes('/node_modules/@opentelemetry/api/'))`;
    await modulesLoadedBy(
      `const opstate = await import(${JSON.stringify(entry)});
       const store = opstate.createMemoryChainStore();
       const quiet = opstate.createOperationalState({ store, workspaceId: 'quiet' }, { logger: opstate.silentLogger });
       await quiet.send({ type: 'GATES_PASSED' });
       await quiet.flush();
       if (${apiLoaded}) throw new Error('the API was loaded with no MeterProvider registered');
       await quiet.stop();
       // What an SDK's registration leaves in the global slot: a provider whose meter records.
       const recorded = [];
       const instrument = (name) => ({ add: (v) => recorded.push(name), record: (v) => recorded.push(name),
         addCallback() {}, removeCallback() {} });
       const meter = { createCounter: instrument, createHistogram: instrument, createUpDownCounter: instrument,
         createObservableGauge: instrument, createObservableCounter: instrument,
         createObservableUpDownCounter: instrument, createGauge: instrument,
         addBatchObservableCallback() {}, removeBatchObservableCallback() {} };
       const { metrics } = (await import('node:module')).createRequire(import.meta.url)('@opentelemetry/api');
       if (!metrics.setGlobalMeterProvider({ getMeter: () => meter })) throw new Error('not registered');
       const loud = opstate.createOperationalState({ store, workspaceId: 'loud' }, { logger: opstate.silentLogger });
       await loud.send({ type: 'GATES_PASSED' });
       await loud.flush();
       await loud.stop();
       if (recorded.length === 0) throw new Error('nothing recorded on the registered provider');`,
    );
  });

  it('opstate/inspector serves the page', async () => {
    const loaded = await modulesLoadedBy(
      `const { startInspector } = await import(${JSON.stringify(source('inspect/index.ts'))});
       const h = await startInspector({});
       const res = await fetch(h.url);
       if (res.status !== 200) throw new Error('inspector answered ' + res.status);
       await h.close();`,
    );
    expect(loaded.some((u) => /\/node_modules\/ws\//.test(u))).toBe(true);
    expect(loaded.some((u) => u.endsWith('/src/inspect/server.ts'))).toBe(true);
  });
});
