import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * What the proxy does to the path between the client and PostgreSQL:
 * - `up`: forwards.
 * - `down`: refuses and cuts every connection (a server restart).
 * - `hang`: cuts what was connected, then accepts and never answers.
 * - `stall`: a frozen server: every connection, old and new, stops moving, with nothing cut; back `up`,
 *   whatever was sent in the meantime is delivered (old connections come back to life).
 * - `blackhole`: a network path that drops everything: old connections freeze and stay frozen forever,
 *   even once `up` again (the firewall lost their state); only new connections work afterwards.
 * - `reset`: every connection is reset (RST) and new ones are reset on arrival.
 */
export type ProxyMode = 'up' | 'down' | 'hang' | 'stall' | 'blackhole' | 'reset';

export interface TcpProxy {
  readonly port: number;
  mode: ProxyMode;
  setMode(mode: ProxyMode): void;
  /** Connections accepted so far (to see that the client reconnected). */
  readonly accepted: number;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  upstream: Socket | null;
  /** Frozen for good (blackhole): never forwards again. */
  dead: boolean;
  /** Bytes from the client held while the path is stalled. */
  held: Buffer[];
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const pairs = new Set<Pair>();
  let accepted = 0;
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const state: { mode: ProxyMode } = { mode: 'up' };
  const frozen = () => state.mode === 'stall' || state.mode === 'blackhole' || state.mode === 'hang';

  const openUpstream = (pair: Pair) => {
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    pair.upstream = upstream;
    upstream.on('data', (d: Buffer) => {
      // A frozen path delivers nothing to the client; a stall holds it back (TCP would retransmit it).
      if (pair.dead || state.mode === 'blackhole' || state.mode === 'hang') return;
      if (state.mode === 'stall') {
        upstream.pause();
        upstream.unshift(d);
        return;
      }
      pair.client.write(d);
    });
    upstream.on('close', () => pair.client.destroy());
    for (const d of pair.held.splice(0)) upstream.write(d);
  };

  const server: Server = createServer((client) => {
    accepted += 1;
    track(client);
    if (state.mode === 'down') {
      client.destroy();
      return;
    }
    if (state.mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = {
      client,
      upstream: null,
      dead: state.mode === 'blackhole' || state.mode === 'hang',
      held: [],
    };
    pairs.add(pair);
    client.on('close', () => {
      pairs.delete(pair);
      pair.upstream?.destroy();
    });
    client.on('data', (d: Buffer) => {
      if (pair.dead) return;
      if (frozen() || pair.upstream === null) {
        pair.held.push(d);
        return;
      }
      pair.upstream.write(d);
    });
    if (!frozen()) openUpstream(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  const apply = (mode: ProxyMode) => {
    const previous = state.mode;
    state.mode = mode;
    if (mode === 'down' || mode === 'hang') {
      // Whatever was connected (or stuck) is cut, like a server restart.
      for (const s of sockets) s.destroy();
      return;
    }
    if (mode === 'reset') {
      for (const p of pairs) {
        p.upstream?.destroy();
        p.client.resetAndDestroy();
      }
      return;
    }
    if (mode === 'blackhole') {
      for (const p of pairs) p.dead = true;
      return;
    }
    if (mode === 'up' && (previous === 'stall' || previous === 'blackhole' || previous === 'hang')) {
      for (const p of pairs) {
        if (p.dead) continue;
        if (p.upstream === null) openUpstream(p);
        else {
          for (const d of p.held.splice(0)) p.upstream.write(d);
          p.upstream.resume();
        }
      }
    }
  };

  return {
    port,
    get accepted() {
      return accepted;
    },
    get mode() {
      return state.mode;
    },
    set mode(m) {
      state.mode = m;
    },
    setMode: apply,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
