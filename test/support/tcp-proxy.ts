import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the PostgreSQL server, to take the database "down" for real: `down` refuses
 * and cuts every connection, `hang` accepts and then never answers (a black hole), `up` forwards.
 */
export interface TcpProxy {
  readonly port: number;
  mode: 'up' | 'down' | 'hang';
  setMode(mode: 'up' | 'down' | 'hang'): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const proxy: { mode: TcpProxy['mode'] } = { mode: 'up' };
  const server: Server = createServer((client) => {
    track(client);
    if (proxy.mode === 'down') {
      client.destroy();
      return;
    }
    if (proxy.mode === 'hang') return;
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    get mode() {
      return proxy.mode;
    },
    set mode(m) {
      proxy.mode = m;
    },
    setMode(m) {
      proxy.mode = m;
      // Whatever was connected (or stuck in the black hole) is cut, like a server restart.
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
