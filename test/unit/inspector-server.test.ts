import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import {
  createMemoryChainStore,
  createOperationalState,
  type OperationalStateRuntime,
} from '../../src/index.js';
import {
  createInspectionRecorder,
  forwardToStately,
  type InspectorHandle,
  InspectorError,
  type InspectorMessage,
  startInspector,
} from '../../src/inspect/index.js';
import { capturingLogger } from '../support/stores.js';

const WS = 'ws-server';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function started(options: Parameters<typeof startInspector>[0] = {}): Promise<InspectorHandle> {
  const handle = await startInspector({ logger: capturingLogger(), ...options });
  cleanups.push(() => handle.close());
  return handle;
}

function runtime(options: Parameters<typeof createOperationalState>[1] = {}): OperationalStateRuntime {
  const rt = createOperationalState(
    { store: createMemoryChainStore(), workspaceId: WS },
    { logger: capturingLogger(), ...options },
  );
  cleanups.push(() => rt.stop());
  return rt;
}

/** Opens a socket and collects its messages; rejects with the HTTP status if the upgrade is refused. */
function connect(url: string): Promise<{ ws: WebSocket; messages: InspectorMessage[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const messages: InspectorMessage[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as InspectorMessage));
    ws.once('open', () => {
      cleanups.push(() => ws.terminate());
      resolve({ ws, messages });
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200; i += 1) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
};
const socketUrl = (h: InspectorHandle, token: string | null) =>
  `ws://127.0.0.1:${h.port}/ws${token === null ? '' : `?token=${token}`}`;

describe('startInspector: binding and token', () => {
  it('binds 127.0.0.1 by default, on a free port, with a random token in the URL', async () => {
    const a = await started();
    const b = await started();
    expect(a.host).toBe('127.0.0.1');
    expect(a.url).toBe(`http://127.0.0.1:${a.port}/?token=${a.token}`);
    expect(a.port).toBeGreaterThan(0);
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(a.token).not.toBe(b.token);
  });

  it('refuses a non-loopback host unless allowRemote is given', async () => {
    await expect(startInspector({ host: '0.0.0.0' })).rejects.toThrow(InspectorError);
    await expect(startInspector({ host: '0.0.0.0' })).rejects.toMatchObject({
      kind: 'not_loopback',
      detail: '0.0.0.0',
    });
    const remote = await started({ host: '0.0.0.0', allowRemote: true });
    expect(remote.url).toContain('0.0.0.0');
  });

  it('refuses a bad port, naming it', async () => {
    await expect(startInspector({ port: 70000 })).rejects.toThrow(/port.*70000/);
  });

  it('serves the page only with the token; wrong or missing token is 403', async () => {
    const h = await started();
    const ok = await fetch(h.url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'sha256-/);
    expect(ok.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await ok.text();
    expect(html).toContain('<title>opstate inspector</title>');
    expect(html).not.toMatch(/src="http|href="http/);
    expect((await fetch(`http://127.0.0.1:${h.port}/`)).status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${h.port}/?token=${h.token}x`)).status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${h.port}/?token=${h.token.slice(1)}`)).status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${h.port}/trace.jsonl`)).status).toBe(403);
  });

  it('refuses a socket with a wrong or missing token', async () => {
    const h = await started();
    await expect(connect(socketUrl(h, null))).rejects.toThrow('refused: 403');
    await expect(connect(socketUrl(h, 'guess'))).rejects.toThrow('refused: 403');
    await expect(connect(socketUrl(h, h.token))).resolves.toBeDefined();
  });
});

describe('startInspector: streaming', () => {
  it('replays recent history to a page that connects late, then streams new records', async () => {
    const rt = runtime();
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    const h = await started({ runtime: rt });
    await rt.transitionTo('active', 'claim acquired');
    await rt.flush();
    const { messages } = await connect(socketUrl(h, h.token));
    await until(() => messages.length > 0, 'the replay');
    const replay = messages[0]!;
    expect(replay.type).toBe('replay');
    const types = replay.records.map((r) => r.type);
    expect(types[0]).toBe('@xstate.actor');
    expect(types).toContain('@opstate.emit');
    const replayed = replay.records.length;

    await rt.transitionTo('ready', 'claim released');
    await rt.flush();
    await until(
      () => messages.some((m) => m.records.some((r) => r.type === '@opstate.emit' && r.transition.n === 3)),
      'live emit',
    );
    expect(messages.slice(1).every((m) => m.type === 'records')).toBe(true);
    // Nothing twice: the live messages hold only what came after the replay.
    const ids = messages.flatMap((m) => m.records.map((r) => r.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(replayed);
  });

  it('serves the kept records as a JSONL trace', async () => {
    const rt = runtime();
    const h = await started({ runtime: rt });
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.flush();
    const res = await fetch(`http://127.0.0.1:${h.port}/trace.jsonl?token=${h.token}`);
    const lines = (await res.text()).trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { type: string }).type)).toStrictEqual(
      h.recorder.records().map((r) => r.type),
    );
  });

  it('an inspector handle as the runtime inspect option records from the first event', async () => {
    const h = await started();
    const rt = runtime({ inspect: h });
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.flush();
    const records = h.recorder.records();
    expect(records[0]).toMatchObject({ type: '@xstate.actor', name: 'operationalState' });
    expect(records.filter((r) => r.type === '@opstate.emit')).toHaveLength(1);
  });

  it('inspect: true starts an inspector, logs its URL, and stop() closes it', async () => {
    const logger = capturingLogger();
    const rt = createOperationalState(
      { store: createMemoryChainStore(), workspaceId: WS },
      { logger, inspect: true },
    );
    const h = await rt.inspector!;
    expect(logger.entries.some((e) => e.level === 'warn' && e.message?.includes(h.url))).toBe(true);
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    expect((await fetch(h.url)).status).toBe(200);
    await rt.stop();
    await expect(fetch(h.url)).rejects.toThrow();
  });

  it('startInspector({ runtime }) lives as long as the runtime: stop() closes it after the last emit', async () => {
    const rt = runtime();
    const h = await startInspector({ runtime: rt, logger: capturingLogger() });
    const { messages } = await connect(`${h.url.replace('http', 'ws').replace('/?', '/ws?')}`);
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    expect((await fetch(h.url)).status).toBe(200);
    await rt.stop();
    await h.closed;
    await expect(fetch(h.url)).rejects.toThrow();
    // The page got the outcome of the last emit before the socket closed.
    const records = messages.flatMap((m) => m.records);
    expect(records.filter((r) => r.type === '@opstate.emit')).toHaveLength(1);
  });

  it('startInspector({ actor }) closes when the actor stops; close() before that is fine too', async () => {
    const rt = runtime();
    const early = await startInspector({ actor: rt.actor, logger: capturingLogger() });
    await early.close();
    await early.closed;
    const h = await startInspector({ actor: rt.actor, logger: capturingLogger() });
    await rt.send({ type: 'STOP' }); // the final state: the actor is done
    await h.closed;
    await expect(fetch(h.url)).rejects.toThrow();
  });

  it('a runtime without inspect has no inspector', () => {
    expect(runtime().inspector).toBeNull();
  });
});

describe('forwardToStately', () => {
  it('sends the Stately records of the same stream to a Stately WebSocket server', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => server.once('listening', r));
    const received: { type: string; _version?: string; definition?: unknown; sessionId?: string }[] = [];
    server.on('connection', (ws) => ws.on('message', (d) => received.push(JSON.parse(String(d)))));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));

    const recorder = createInspectionRecorder();
    const rt = runtime({ inspect: recorder });
    const port = (server.address() as { port: number }).port;
    const forward = await forwardToStately(recorder, { url: `ws://127.0.0.1:${port}` });
    cleanups.push(() => forward.close());
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.flush();
    await until(
      () => received.some((r) => r.type === '@xstate.snapshot' && JSON.stringify(r).includes('"ready"')),
      'stately snapshot',
    );
    expect(new Set(received.map((r) => r.type))).toStrictEqual(
      new Set(['@xstate.actor', '@xstate.event', '@xstate.snapshot']),
    );
    expect(received.every((r) => r._version === '0.7.2' && typeof r.sessionId === 'string')).toBe(true);
    expect(typeof received[0]!.definition).toBe('string');
  });

  it("reaches Stately's own relay: createInspectorServer in, createWebSocketReceiver out", async () => {
    const { createInspectorServer } = await import('@statelyai/inspect/server');
    const { createWebSocketReceiver } = await import('@statelyai/inspect');
    const probe = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => probe.once('listening', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const relay = createInspectorServer({ port, autoOpen: false });
    cleanups.push(() => relay.stop());

    const recorder = createInspectionRecorder();
    const rt = runtime({ inspect: recorder });
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    const forward = await forwardToStately(recorder, { url: `ws://127.0.0.1:${port}` });
    cleanups.push(() => forward.close());
    const received: { type: string; sessionId: string }[] = [];
    createWebSocketReceiver({ server: `ws://127.0.0.1:${port}` }).subscribe((e) => received.push(e));
    await until(
      () => received.some((e) => e.type === '@xstate.snapshot'),
      'events through the Stately relay',
    );
    expect(received[0]).toMatchObject({ type: '@xstate.actor', sessionId: rt.actor.sessionId });
  });
});
