/*
 * The weight of embedding an event store in a process, measured in a fresh process per sample with plain
 * node (no TypeScript loader, whose own memory would swamp the difference), opstate from the built entry:
 *   node --expose-gc bench/probes/embed-rss.mjs <bare|raw|emmett|opstate-store|opstate-runtime|xstate-chart> <file> [settleMs]
 * Imports the library (timed), writes 1,000 events (~200-byte payloads; the store and the peers in 100
 * commits of 10, the runtime as 1,000 transitions flushed every 50), collects garbage, and prints one JSON
 * line: {"importMs", "rss"}. `bare` imports and writes nothing: the floor the others are measured above.
 * With settleMs, the process then sits idle that long, as an embedding agent does between transitions,
 * and prints a second line: {"settledRss", "newSpaceMiB"}. V8's memory reducer shrinks a grown young
 * generation about 8 s after the work ends if the process allocates little meanwhile.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setImmediate, setTimeout } from 'node:timers';
import { getHeapSpaceStatistics } from 'node:v8';
import { URL } from 'node:url';

const [what, file = '', settle = '0'] = process.argv.slice(2);
const settleMs = Number(settle);
const root = new URL('../../', import.meta.url);
const gc = () => globalThis.gc?.();
const payload = (i) => ({
  claim_permission: 'normal',
  degradation_reasons: ['cost_limit_near'],
  from_primary_state: 'ready',
  to_primary_state: 'ready',
  trigger: `posture update #${i}: the operator raised the nightly cost ceiling`,
});
const TYPE = 'kora.operational_state.transitioned';
if (file !== '') mkdirSync(dirname(file), { recursive: true });

let importMs = 0;
const timedImport = async (specifier) => {
  const t = performance.now();
  const module = await import(specifier);
  importMs += performance.now() - t;
  return module;
};

if (what === 'raw') {
  const { default: Database } = await timedImport('better-sqlite3');
  const db = new Database(file, { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, workspace_id TEXT NOT NULL,
    event_type TEXT NOT NULL, payload TEXT NOT NULL, recorded_at TEXT NOT NULL) STRICT`);
  const insert = db.prepare(
    'INSERT INTO bench_raw (workspace_id, event_type, payload, recorded_at) VALUES (?, ?, ?, ?)',
  );
  const ten = db.transaction((from) => {
    for (let k = 0; k < 10; k++)
      insert.run('probe', TYPE, JSON.stringify(payload(from + k)), new Date().toISOString());
  });
  for (let i = 0; i < 1000; i += 10) ten.immediate(i);
  db.close();
} else if (what === 'emmett') {
  const { getSQLiteEventStore, sqliteConnection } = await timedImport(
    new URL('bench/peers/node_modules/@event-driven-io/emmett-sqlite/dist/index.js', root).href,
  );
  const connection = sqliteConnection({ fileName: file });
  await connection.command('PRAGMA busy_timeout = 5000');
  await connection.command('PRAGMA synchronous = FULL');
  const store = getSQLiteEventStore({
    fileName: file,
    schema: { autoMigration: 'CreateOrUpdate' },
    connectionOptions: { singleton: true, connection },
  });
  for (let i = 0; i < 1000; i += 10) {
    await store.appendToStream(
      'probe',
      Array.from({ length: 10 }, (_, k) => ({ type: TYPE, data: payload(i + k) })),
    );
  }
  connection.close();
} else if (what === 'opstate-store' || what === 'opstate-runtime') {
  const opstate = await timedImport(new URL('dist/index.js', root).href);
  const store = await opstate.openSqliteChainStore({ file });
  if (what === 'opstate-store') {
    for (let i = 0; i < 1000; i += 10) {
      await store.append(
        'probe',
        Array.from({ length: 10 }, (_, k) => ({
          eventType: TYPE,
          payload: payload(i + k),
          idempotencyKey: `probe-${i + k}-${process.pid}`,
        })),
      );
    }
  } else {
    const rt = opstate.createOperationalState(
      { store, workspaceId: 'probe' },
      { logger: opstate.silentLogger },
    );
    await rt.send({ type: 'GATES_PASSED' });
    for (let i = 1; i <= 1000; i++) {
      await rt.send({ type: 'UPDATE_POSTURE', trigger: `posture update #${i}` });
      if (i % 50 === 0) await rt.flush();
    }
    await rt.flush();
    await rt.stop();
  }
  await store.close();
} else if (what === 'xstate-chart') {
  // The chart alone on a bare XState actor, its emit service a no-op: what XState itself costs the
  // runtime's process for the same 1,000 transitions, with no store and no runtime around it.
  const [{ createActor, fromCallback }, chart] = await Promise.all([
    timedImport('xstate'),
    timedImport(new URL('dist/machine/machine.js', root).href),
  ]);
  const machine = chart.operationalStateMachine.provide({ actors: { emitService: fromCallback(() => {}) } });
  const actor = createActor(machine).start();
  actor.send({ type: 'GATES_PASSED', trigger: 'boot gates passed' });
  for (let i = 1; i <= 1000; i++) {
    actor.send({ type: 'UPDATE_POSTURE', trigger: `posture update #${i}` });
    if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  actor.stop();
} else if (what !== 'bare') {
  throw new Error(`unknown probe ${what}`);
}
gc();
gc();
await new Promise((resolve) => setImmediate(resolve));
process.stdout.write(`${JSON.stringify({ importMs, rss: process.memoryUsage().rss })}\n`);
if (settleMs > 0) {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  const newSpaceMiB = (newSpace?.space_size ?? Number.NaN) / 2 ** 20;
  process.stdout.write(`${JSON.stringify({ settledRss: process.memoryUsage().rss, newSpaceMiB })}\n`);
}
