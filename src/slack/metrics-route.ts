import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { HttpRoute } from './http-route.js';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * `GET /metrics` in Prometheus' text format. With a token, only `Authorization: Bearer <token>` gets them
 * (compared in constant time; anything else is 401). The registry's store-backed gauges bound their own wait,
 * so a scrape always answers.
 */
export function metricsRoute(registry: Registry, token: string | undefined): HttpRoute {
  const expected = token ? digest(`Bearer ${token}`) : null;
  const authorised = (req: IncomingMessage) =>
    expected === null || timingSafeEqual(digest(req.headers.authorization ?? ''), expected);
  return {
    path: '/metrics',
    method: ['GET'],
    handler: (req, res) => {
      if (!authorised(req)) {
        send(res, 401, 'text/plain; charset=utf-8', 'unauthorized\n', { 'www-authenticate': 'Bearer' });
        return;
      }
      registry.metrics().then(
        (text) => send(res, 200, registry.contentType, text),
        (error: unknown) =>
          send(res, 500, 'text/plain; charset=utf-8', `metrics failed: ${(error as Error).message}\n`),
      );
    },
  };
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': contentType, ...headers });
  res.end(body);
}
