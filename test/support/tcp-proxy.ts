import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy to a real server that a test can cut (every connection dropped, new ones refused) and
 * restore on the same port: a database outage without touching the shared database server. `darken` is the
 * nastier outage, a host that vanishes without a word (a failed-over database's old address): open
 * connections stop carrying bytes but stay open, and new ones are accepted and never answered, until `light`.
 */
export async function startTcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  let server: Server | null = null;
  let port = 0;
  let dark = false;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((client) => {
        track(client);
        if (dark) return;
        const upstream = connect(target.port, target.host);
        track(upstream);
        const pair: [Socket, Socket] = [client, upstream];
        pairs.add(pair);
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => {
          pairs.delete(pair);
          client.destroy();
        });
      });
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        port = (next.address() as { port: number }).port;
        server = next;
        resolve();
      });
    });

  const cut = async () => {
    const closing = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    if (closing) await new Promise((resolve) => closing.close(resolve));
  };

  const darken = () => {
    dark = true;
    for (const [client, upstream] of pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
    pairs.clear();
  };

  await listen();
  return {
    get port() {
      return port;
    },
    cut,
    restore: listen,
    darken,
    light: () => {
      dark = false;
    },
    close: cut,
  };
}
