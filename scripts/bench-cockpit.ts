/*
 * `npm run bench:cockpit`: how long the cockpit takes to load a fleet from a SQLite file, 1,000
 * workspaces × 100 events (target: the table in under 2 s), and the same run's baseline: reading every
 * chain with `store.read` and nothing else. Min / median / max of 3 rounds; memory as heap after load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fleet } from '../src/cockpit/fleet.js';
import { openSqliteChainStore } from '../src/store/sqlite/sqlite-store.js';
import { fillFleet } from '../test/support/fill-fleet.js';

const WORKSPACES = Number(process.env.BENCH_WORKSPACES ?? 1000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 100);
const ROUNDS = 3;

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0]!, median: s[Math.floor(s.length / 2)]!, max: s[s.length - 1]! };
};
const fmt = (x: { min: number; median: number; max: number }) =>
  `${x.median.toFixed(0)} ms (${x.min.toFixed(0)}–${x.max.toFixed(0)})`;

const dir = await mkdtemp(join(tmpdir(), 'opstate-bench-cockpit-'));
const file = join(dir, 'chain.db');
try {
  await fillFleet(file, WORKSPACES, EVENTS);
  const baseline: number[] = [];
  const table: number[] = [];
  const verified: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const store = await openSqliteChainStore({ file, readOnly: true });
    let t = performance.now();
    for (const ws of await store.workspaces()) await store.read(ws, { limit: 10_000 });
    baseline.push(performance.now() - t);
    const fleet = new Fleet(store);
    t = performance.now();
    await fleet.load();
    table.push(performance.now() - t);
    await fleet.verified();
    verified.push(performance.now() - t);
    fleet.close();
    await store.close();
  }
  const b = stats(baseline);
  const l = stats(table);
  console.log(`cockpit load, ${WORKSPACES} workspaces × ${EVENTS} events (SQLite), ${ROUNDS} rounds:`);
  console.log(`  baseline (store.read of every chain): ${fmt(b)}`);
  console.log(
    `  table loaded:                         ${fmt(l)}  ratio ${(l.median / b.median).toFixed(2)}×  target < 2000 ms: ${l.median < 2000 ? 'met' : 'NOT met'}`,
  );
  console.log(`  every chain verified:                 ${fmt(stats(verified))}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
