import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createMemoryChainStore, createOperationalState } from '../../src/index.js';
import { createInspectionRecorder, forwardToStately } from '../../src/inspect/index.js';
import { capturingLogger, until } from '../support/stores.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('item 9: forwardToStately keeps the chart after many transitions', () => {
  it('called after 60 transitions, the @xstate.actor records arrive first', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => server.once('listening', r));
    const received: { type: string; snapshot?: { status?: string } }[] = [];
    server.on('connection', (ws) => ws.on('message', (d) => received.push(JSON.parse(String(d)))));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));

    const recorder = createInspectionRecorder();
    const rt = createOperationalState(
      { store: createMemoryChainStore(), workspaceId: 'ws-stately' },
      { logger: capturingLogger(), inspect: recorder },
    );
    cleanups.push(() => rt.stop());
    await rt.transitionTo('ready', 'gates');
    for (let i = 0; i < 30; i += 1) {
      await rt.transitionTo('active', 'claim');
      await rt.transitionTo('ready', 'release');
    }
    const port = (server.address() as { port: number }).port;
    const forward = await forwardToStately(recorder, { url: `ws://127.0.0.1:${port}` });
    cleanups.push(() => forward.close());
    await until(
      () =>
        received.length >=
        recorder
          .records()
          .filter(
            (r) =>
              r.type.startsWith('@xstate.actor') ||
              r.type === '@xstate.event' ||
              r.type === '@xstate.snapshot',
          ).length,
    );
    expect(received[0]?.type).toBe('@xstate.actor');
    expect(received.filter((r) => r.type === '@xstate.actor').length).toBeGreaterThanOrEqual(2);
    // Live records keep flowing after the replay.
    await rt.transitionTo('active', 'claim');
    await until(() => JSON.stringify(received.at(-1)).includes('"active"'));
  });

  it('the @xstate.actor record carries at least the status of its snapshot', () => {
    const recorder = createInspectionRecorder();
    const rt = createOperationalState(
      { store: createMemoryChainStore(), workspaceId: 'ws-stately' },
      { logger: capturingLogger(), inspect: recorder },
    );
    cleanups.push(() => rt.stop());
    const actors = recorder.records().filter((r) => r.type === '@xstate.actor');
    expect(actors.length).toBeGreaterThan(0);
    for (const a of actors) expect(a.type === '@xstate.actor' && a.snapshot.status).toBeTruthy();
  });
});
