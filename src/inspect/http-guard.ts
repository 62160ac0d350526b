import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import { OperationalStateInputError } from '../errors.js';
import { InspectorError } from './inspector-error.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** Checks a host and port to serve on: loopback unless `allowRemote`, a port from 0 to 65535. */
export function checkListen(
  what: string,
  host: unknown,
  port: unknown,
  allowRemote: boolean | undefined,
): { host: string; port: number } {
  if (typeof host !== 'string' || host.length === 0) {
    throw new OperationalStateInputError('host', host, 'expected a host name or address');
  }
  if (!LOOPBACK_HOSTS.has(host) && allowRemote !== true) {
    throw new InspectorError(
      'not_loopback',
      host,
      `${what} host ${host} is not loopback; pass allowRemote: true to expose it beyond this machine`,
    );
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new OperationalStateInputError('port', port, 'expected an integer from 0 to 65535');
  }
  return { host, port };
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `::ffff:127.0.0.1` (an IPv4 client on a dual-stack socket) as `127.0.0.1`; IPv6 in URL brackets. */
function addressAsHostname(address: string | undefined): string | null {
  if (address === undefined || address === '') return null;
  const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  return plain.includes(':') ? `[${plain.toLowerCase()}]` : plain;
}

/**
 * True when the request's Host header names this server: a loopback name or the address the connection
 * came in on, with the port it came in on. A page on another site that got its name resolved to this
 * machine (DNS rebinding) sends its own name, and is refused even with the token.
 */
export function hostAllowed(req: IncomingMessage): boolean {
  const header = req.headers.host;
  if (header === undefined || header === '') return false;
  let named: URL;
  try {
    named = new URL(`http://${header}`);
  } catch {
    return false;
  }
  if (named.username !== '' || named.password !== '' || named.pathname !== '/') return false;
  const port = named.port === '' ? 80 : Number(named.port);
  if (port !== req.socket.localPort) return false;
  const hostname = named.hostname.toLowerCase();
  return LOOPBACK_NAMES.has(hostname) || hostname === addressAsHostname(req.socket.localAddress);
}

/**
 * True when a WebSocket handshake comes from this server's own page: its Origin is `http://` plus the
 * Host it asked for. A handshake without Origin comes from no browser page (a script with the token);
 * browsers always send one, so another site's page cannot open a socket here.
 */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host;
  return host !== undefined && origin.toLowerCase() === `http://${host.toLowerCase()}`;
}

/** A random per-run token and its constant-time check against a request URL's `?token=`. */
export function makeToken(): { token: string; accepts(url: URL): boolean } {
  const token = randomBytes(24).toString('base64url');
  const bytes = Buffer.from(token);
  return {
    token,
    accepts(url) {
      const given = Buffer.from(url.searchParams.get('token') ?? '');
      return given.length === bytes.length && timingSafeEqual(given, bytes);
    },
  };
}

/** Headers on every response: nothing cached, no referrer leaks the token, no sniffing. */
export const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

/** The page runs its one bundled script and talks to its own server only. */
export function pageCsp(scriptHash: string): string {
  return `default-src 'none'; script-src 'sha256-${scriptHash}'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': 'text/plain; charset=utf-8' }).end(text);
}

export function sendJson(res: ServerResponse, value: unknown): void {
  res
    .writeHead(200, { ...COMMON_HEADERS, 'content-type': 'application/json; charset=utf-8' })
    .end(JSON.stringify(value));
}

export const urlHost = (host: string) => (host.includes(':') ? `[${host}]` : host);

/**
 * Upgrades `/ws` requests that carry the token, name this server in Host and come from its own origin
 * (or from no browser page at all) to a WebSocket on `wss`, and ends anything else with a bare 403 before
 * the WebSocket handshake: a page without the token, or another site's page, never gets a socket.
 */
export function upgradeWithToken(
  server: Server,
  wss: WebSocketServer,
  accepts: (url: URL) => boolean,
  onOpen: (ws: WebSocket) => void,
): void {
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://loopback.invalid');
    if (url.pathname !== '/ws' || !hostAllowed(req) || !originAllowed(req) || !accepts(url)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, onOpen);
  });
}

/**
 * The checks every request to a page server passes first: a Host naming this server and the token (403
 * without either) and GET only (405).
 * Returns the request's URL when it may go on, or null once it has been answered.
 */
export function admitRequest(
  req: IncomingMessage,
  res: ServerResponse,
  accepts: (url: URL) => boolean,
): URL | null {
  const url = new URL(req.url ?? '/', 'http://loopback.invalid');
  if (!hostAllowed(req)) {
    sendText(res, 403, 'forbidden: the Host header does not name this server\n');
    return null;
  }
  if (!accepts(url)) {
    sendText(res, 403, 'forbidden: bad or missing token\n');
    return null;
  }
  if (req.method !== 'GET') {
    res.writeHead(405, { ...COMMON_HEADERS, allow: 'GET' }).end();
    return null;
  }
  return url;
}

/** Serves a bundled page at `/` (and `/index.html`) under its script-hash CSP; false for other paths. */
export function sendPageAt(
  url: URL,
  res: ServerResponse,
  page: { readonly html: string; readonly scriptHash: string },
): boolean {
  if (url.pathname !== '/' && url.pathname !== '/index.html') return false;
  res
    .writeHead(200, {
      ...COMMON_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': pageCsp(page.scriptHash),
    })
    .end(page.html);
  return true;
}
