/*
 * Measurements that need a process of their own (resident memory, event-loop delay), run by
 * bench/cases/embedded.ts as child processes:
 *   node --expose-gc --import tsx bench/probes/probe.ts rss  <sqlite|sqlite-worker|memory> <file>
 *   node --expose-gc --import tsx bench/probes/probe.ts loop <sqlite|sqlite-worker|memory> <file> <sequential|burst> <ms>
 * Prints one JSON line.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { silentLogger } from '../../src/logger.js';
import { createOperationalState } from '../../src/runtime/create-operational-state.js';
import type { ChainStore } from '../../src/store/chain/types.js';
import { createMemoryChainStore } from '../../src/store/memory/memory-store.js';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';

const [what, engine, file, shape, msText] = process.argv.slice(2);
const EVENT = { type: 'UPDATE_POSTURE', trigger: 'posture update' } as const;
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

const store: ChainStore =
  engine === 'sqlite' || engine === 'sqlite-worker'
    ? await openSqliteChainStore({ file: file ?? '', writer: engine === 'sqlite' ? 'main' : 'worker' })
    : createMemoryChainStore();
const rt = createOperationalState({ store, workspaceId: 'probe' }, { logger: silentLogger });
await rt.send({ type: 'GATES_PASSED' });
await rt.flush();

if (what === 'rss') {
  // 1,000 transitions as an agent makes them: each sent, flushed in groups.
  for (let i = 1; i <= 1000; i++) {
    await rt.send(EVENT);
    if (i % 50 === 0) await rt.flush();
  }
  await rt.flush();
  gc();
  gc();
  await yieldToLoop();
  process.stdout.write(`${JSON.stringify({ rss: process.memoryUsage().rss })}\n`);
} else if (what === 'loop') {
  // Full speed, but yielding to the event loop as an agent doing other work does (a loop that never
  // yields delays every timer, whatever the store). The histogram sees how long the loop is held.
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const until = performance.now() + Number(msText ?? 3000);
  histogram.enable();
  const started = performance.now();
  let n = 0;
  while (performance.now() < until) {
    await rt.send(EVENT);
    n += 1;
    if (shape === 'sequential') await rt.flush();
    else if (n % 1000 === 0) await rt.flush();
    await yieldToLoop();
  }
  await rt.flush();
  const seconds = (performance.now() - started) / 1000;
  histogram.disable();
  process.stdout.write(
    `${JSON.stringify({ p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6, rate: n / seconds })}\n`,
  );
}
await rt.stop();
await store.close();
