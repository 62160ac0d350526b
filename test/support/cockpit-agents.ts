/*
 * A child process running several agents on one shared store, for the cockpit e2e:
 *   node --import tsx cockpit-agents.ts <sqlite-file | postgres://url> <prefix> <count> [trigger]
 * Brings each agent to ready (odd ones on to active), prints "ready", then takes one JSON command per
 * stdin line, {"ws": "...", "to": "paused", "trigger": "..."}, and prints "done <ws> <to>" once appended.
 */
import { createInterface } from 'node:readline';
import {
  type ChainStore,
  createOperationalState,
  openPostgresChainStore,
  type OperationalStateRuntime,
  type PrimaryState,
  silentLogger,
} from '../../src/index.js';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';

const [spec, prefix, countText, firstTrigger] = process.argv.slice(2);
if (spec === undefined || prefix === undefined || countText === undefined) {
  console.error('usage: cockpit-agents.ts <store> <prefix> <count> [trigger]');
  process.exit(2);
}
const store: ChainStore = /^postgres(ql)?:\/\//.test(spec)
  ? await openPostgresChainStore({ connectionString: spec, migrate: 'check', maxConnections: 2 })
  : await openSqliteChainStore({ file: spec });

const agents = new Map<string, OperationalStateRuntime>();
for (let i = 0; i < Number(countText); i += 1) {
  const ws = `${prefix}-a${i}`;
  const rt = createOperationalState({ store, workspaceId: ws }, { logger: silentLogger });
  await rt.transitionTo(
    'ready',
    i === 0 && firstTrigger !== undefined ? firstTrigger : 'all §9.2 gates pass',
    {
      claimPermission: 'normal',
    },
  );
  if (i % 2 === 1) await rt.transitionTo('active', 'claim acquired');
  agents.set(ws, rt);
}
await Promise.all([...agents.values()].map((rt) => rt.flush()));
console.log('ready');

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  const command = JSON.parse(line) as { ws: string; to: PrimaryState; trigger: string; reasons?: string[] };
  const rt = agents.get(command.ws);
  if (rt === undefined) {
    console.log(`unknown ${command.ws}`);
    continue;
  }
  await rt.transitionTo(
    command.to,
    command.trigger,
    command.reasons ? { addReasons: command.reasons as never } : {},
  );
  await rt.flush();
  console.log(`done ${command.ws} ${command.to}`);
}
await Promise.all([...agents.values()].map((rt) => rt.stop()));
await store.close();
