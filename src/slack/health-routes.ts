import type { ServerResponse } from 'node:http';

export interface Readiness {
  /** Resolves with a reason when not ready, or null when ready. */
  check(): Promise<string | null>;
}

type Handler = (req: unknown, res: ServerResponse) => void;

/** `/healthz` is liveness (the process answers); `/readyz` is 200 only while the audit store can write. */
export function healthRoutes(readiness: Readiness): { path: string; method: string[]; handler: Handler }[] {
  return [
    { path: '/healthz', method: ['GET', 'HEAD'], handler: (_req, res) => send(res, 200, { ok: true }) },
    {
      path: '/readyz',
      method: ['GET', 'HEAD'],
      handler: (_req, res) => {
        readiness.check().then(
          (problem) => send(res, problem ? 503 : 200, problem ? { ok: false, problem } : { ok: true }),
          () => send(res, 503, { ok: false, problem: 'readiness check failed' }),
        );
      },
    },
  ];
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
