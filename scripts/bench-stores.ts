// Measures append and verify rates of each chain store on this machine:
//   OPSTATE_PG_URL=postgres://… npx tsx scripts/bench-stores.ts [singleCount] [batches]
// Without OPSTATE_PG_URL only the memory and SQLite stores are measured.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ChainStore,
  createMemoryChainStore,
  openPostgresChainStore,
  openSqliteChainStore,
} from '../src/index.js';
import { GENERIC_TRANSITION_EVENT } from '../src/machine/index.js';

const single = Number(process.argv[2] ?? 1000);
const batches = Number(process.argv[3] ?? 50);
const BATCH = 100;

const event = (i: number) => ({
  eventType: GENERIC_TRANSITION_EVENT,
  payload: {
    from_primary_state: 'ready',
    to_primary_state: 'active',
    claim_permission: 'normal',
    degradation_reasons: ['auth'],
    trigger: `claim acquired #${i}`,
  },
  correlationId: randomUUID(),
  idempotencyKey: randomUUID(),
});

async function bench(name: string, store: ChainStore): Promise<void> {
  const ws1 = `bench-${randomUUID()}`;
  let t = performance.now();
  for (let i = 0; i < single; i++) await store.append(ws1, [event(i)]);
  const singleRate = single / ((performance.now() - t) / 1000);
  const ws2 = `bench-${randomUUID()}`;
  t = performance.now();
  for (let b = 0; b < batches; b++) {
    await store.append(
      ws2,
      Array.from({ length: BATCH }, (_, i) => event(b * BATCH + i)),
    );
  }
  const batchRate = (batches * BATCH) / ((performance.now() - t) / 1000);
  t = performance.now();
  const v = await store.verify(ws2);
  const verifyRate = v.length / ((performance.now() - t) / 1000);
  console.log(
    `${name.padEnd(10)} single: ${Math.round(singleRate)} appends/s   batched (${BATCH}/append): ${Math.round(batchRate)} events/s   verify: ${Math.round(verifyRate)} events/s (ok=${v.ok})`,
  );
  await store.close();
}

await bench('memory', createMemoryChainStore());
let t = performance.now();
const dir = mkdtempSync(join(tmpdir(), 'opstate-bench-stores-'));
const sqlite = await openSqliteChainStore({ file: join(dir, 'chain.db') });
console.log(`sqlite     open (new file + migrations): ${Math.round(performance.now() - t)} ms`);
await bench('sqlite', sqlite);
rmSync(dir, { recursive: true, force: true });
const url = process.env.OPSTATE_PG_URL;
if (url) {
  t = performance.now();
  const pgStore = await openPostgresChainStore({ connectionString: url });
  console.log(`postgres   open (pool + migrations): ${Math.round(performance.now() - t)} ms`);
  await bench('postgres', pgStore);
}
