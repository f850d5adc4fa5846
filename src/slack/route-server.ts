import { createServer, type Server } from 'node:http';
import type { HttpRoute } from './http-route.js';

/**
 * The health and metrics routes on a server of the bot's own, for Socket Mode: Bolt's SocketModeReceiver
 * serves custom routes too, but listens on every address with no way to pass a host.
 */
export function createRouteServer(routes: readonly HttpRoute[]): {
  listen(port: number, host: string): Promise<Server>;
  close(): Promise<void>;
} {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes.find((r) => r.path === path && r.method.includes(req.method ?? ''));
    if (route) {
      route.handler(req, res);
      return;
    }
    res.writeHead(404);
    res.end();
  });
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host }, () => {
          server.off('error', reject);
          resolve(server);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
