import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// Once stop() settles, nothing of the runtime is left running: no timer of its own holds it, its store or
// its chain in memory. Checked in a fresh process with --expose-gc, through WeakRefs: a timer still armed
// (the emit pipeline's append watchdog, for the whole append timeout) would keep every object alive.

const run = promisify(execFile);
const entry = pathToFileURL(fileURLToPath(new URL('../../src/index.ts', import.meta.url))).href;
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const dir = mkdtempSync(join(tmpdir(), 'opstate-release-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collectedAfterStop(storeSetup: string): Promise<{ runtime: boolean; store: boolean }> {
  const { stdout } = await run(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      tsxLoader,
      '--input-type=module',
      '-e',
      `const opstate = await import(${JSON.stringify(entry)});
       const refs = await (async () => {
         const store = ${storeSetup};
         const rt = opstate.createOperationalState({ store, workspaceId: 'ws' }, { logger: opstate.silentLogger });
         await rt.send({ type: 'GATES_PASSED' });
         for (let i = 0; i < 50; i++) await rt.send({ type: 'UPDATE_POSTURE', trigger: 'posture ' + i });
         await rt.flush();
         await rt.stop();
         await store.close();
         return { runtime: new WeakRef(rt), store: new WeakRef(store) };
       })();
       // Well inside the append timeout (10 s): what is still referenced here is held by something armed.
       for (let i = 0; i < 5; i++) {
         await new Promise((resolve) => setTimeout(resolve, 20));
         globalThis.gc();
       }
       console.log(JSON.stringify({ runtime: refs.runtime.deref() === undefined, store: refs.store.deref() === undefined }));`,
    ],
    { timeout: 30_000 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { runtime: boolean; store: boolean };
}

describe('a stopped runtime is garbage at once', () => {
  it('on the memory store', async () => {
    expect(await collectedAfterStop('opstate.createMemoryChainStore()')).toEqual({
      runtime: true,
      store: true,
    });
  });

  it('on the SQLite store', async () => {
    const file = JSON.stringify(join(dir, 'chain.db'));
    expect(await collectedAfterStop(`await opstate.openSqliteChainStore({ file: ${file} })`)).toEqual({
      runtime: true,
      store: true,
    });
  });
});
