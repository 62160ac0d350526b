/*
 * The inspector and cockpit servers answer only requests that name them (Host: a loopback name or the
 * bound address, at the bound port) and open WebSockets only for their own origin, token or not; the
 * inspector's log line carries its token once.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startCockpit } from '../../src/cockpit/server.js';
import { createMemoryChainStore, createOperationalState, silentLogger } from '../../src/index.js';
import { startInspector } from '../../src/inspect/server.js';
import { capturingLogger } from '../support/stores.js';

interface Served {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const open: Served[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const servers: [string, () => Promise<Served>][] = [
  ['inspector', () => startInspector({ logger: silentLogger })],
  ['cockpit', () => startCockpit({ store: createMemoryChainStore(), logger: silentLogger })],
];

async function serve(start: () => Promise<Served>): Promise<Served> {
  const s = await start();
  open.push(s);
  return s;
}

/** GET with an explicit Host header (fetch does not let a caller set one). */
function getWithHost(url: string, host: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, headers: { host } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Opens the page's socket with the given headers: 'open' or the refusal. */
function socket(url: string, options: { origin?: string; host?: string }): Promise<string> {
  const wsUrl = url.replace('http', 'ws').replace('/?', '/ws?');
  const ws = new WebSocket(wsUrl, {
    ...(options.origin !== undefined ? { origin: options.origin } : {}),
    ...(options.host !== undefined ? { headers: { host: options.host } } : {}),
  });
  return new Promise((resolve) => {
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(`refused ${res.statusCode}`);
      ws.terminate();
    });
    ws.once('error', (err) => resolve(`error ${err.message}`));
  });
}

describe.each(servers)('%s server: Host and Origin', (_name, start) => {
  it('refuses Host evil.example even with the token; answers loopback names and the bound address', async () => {
    const s = await serve(start);
    expect(await getWithHost(s.url, 'evil.example')).toBe(403);
    expect(await getWithHost(s.url, `evil.example:${s.port}`)).toBe(403);
    expect(await getWithHost(s.url, '127.0.0.1')).toBe(403); // another port
    expect(await getWithHost(s.url, `127.0.0.1:${s.port}`)).toBe(200);
    expect(await getWithHost(s.url, `localhost:${s.port}`)).toBe(200);
    expect(await getWithHost(s.url, `LOCALHOST:${s.port}`)).toBe(200);
  });

  it('opens a WebSocket for its own origin only, token or not', async () => {
    const s = await serve(start);
    const own = `http://127.0.0.1:${s.port}`;
    expect(await socket(s.url, { origin: own })).toBe('open');
    expect(await socket(s.url, {})).toBe('open'); // no browser page: no Origin
    expect(await socket(s.url, { origin: 'http://evil.example' })).toBe('refused 403');
    expect(await socket(s.url, { origin: `http://localhost:${s.port}` })).toBe('refused 403'); // Host says 127.0.0.1
    expect(await socket(s.url, { origin: 'http://evil.example', host: 'evil.example' })).toBe('refused 403');
  });
});

describe('the inspector log line', () => {
  it('names its URL (and token) once, not in the message and a field both', async () => {
    const logger = capturingLogger();
    const rt = createOperationalState(
      { store: createMemoryChainStore(), workspaceId: 'ws-log' },
      { logger, inspect: true },
    );
    const h = await rt.inspector!;
    const line = logger.entries.find((e) => e.message?.includes('opstate inspector at'));
    expect(line).toBeDefined();
    const text = `${line?.message ?? ''} ${JSON.stringify(line?.fields)}`;
    expect(text.split(h.token).length - 1).toBe(1);
    await rt.stop();
  });
});
