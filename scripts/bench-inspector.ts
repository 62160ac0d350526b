/*
 * `npm run bench:inspector`: the cost of inspection per transition, measured on the real runtime.
 * Same workload three ways: no inspector (XState builds no inspection events), a recorder only, and a
 * recorder streaming to a live server with one connected socket. Prints microseconds per transition.
 */
import { WebSocket } from 'ws';
import {
  createMemoryChainStore,
  createOperationalState,
  type InspectOption,
  silentLogger,
} from '../src/index.js';
import { createInspectionRecorder, startInspector } from '../src/inspect/index.js';

const TRANSITIONS = Number(process.env.BENCH_TRANSITIONS ?? 4000);

async function run(inspect: InspectOption | undefined): Promise<number> {
  // The same in-memory chain store in every run, so the difference is the inspection alone.
  const rt = createOperationalState(
    { store: createMemoryChainStore(), workspaceId: 'bench' },
    { logger: silentLogger, ...(inspect !== undefined ? { inspect } : {}) },
  );
  await rt.transitionTo('ready', 'all §9.2 gates pass');
  const start = process.hrtime.bigint();
  for (let i = 0; i < TRANSITIONS; i += 1) {
    await rt.send(i % 2 === 0 ? { type: 'CLAIM_ACQUIRED' } : { type: 'CLAIM_RELEASED' });
    if (i % 200 === 199) await rt.flush();
  }
  await rt.flush();
  const micros = Number(process.hrtime.bigint() - start) / 1000 / TRANSITIONS;
  await rt.stop();
  return micros;
}

const results: Record<string, number[]> = { none: [], recorder: [], 'recorder + live page socket': [] };
for (let round = 0; round < 3; round += 1) {
  results.none!.push(await run(undefined));
  results.recorder!.push(await run(createInspectionRecorder({ logger: silentLogger })));
  const inspector = await startInspector({ logger: silentLogger });
  const ws = new WebSocket(`ws://127.0.0.1:${inspector.port}/ws?token=${inspector.token}`);
  await new Promise((resolve) => ws.once('open', resolve));
  results['recorder + live page socket']!.push(await run(inspector));
  ws.terminate();
  await inspector.close();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(results.none!);
for (const [name, xs] of Object.entries(results)) {
  const m = median(xs);
  console.log(
    `${name.padEnd(28)} ${m.toFixed(1).padStart(7)} µs/transition  (+${(m - base).toFixed(1)} µs; runs ${xs.map((x) => x.toFixed(0)).join(', ')})`,
  );
}
