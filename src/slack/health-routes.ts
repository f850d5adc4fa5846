import type { ServerResponse } from 'node:http';

/**
 * One named readiness check: resolves `ok` when that part can serve a cancel, or a short reason otherwise
 * (`failing: invalid_auth`, `disconnected`). Never a secret.
 */
export type ReadinessCheck = () => Promise<string> | string;

export const READY = 'ok';

type Handler = (req: unknown, res: ServerResponse) => void;

/**
 * `/healthz` is liveness (the process answers, nothing else is asked). `/readyz` runs every check and is 200
 * only when all say `ok`; the body names each one, e.g.
 * `{"ok":false,"checks":{"accepting":"ok","audit":"ok","slack_auth":"failing: invalid_auth","socket":"disconnected"}}`.
 */
export function healthRoutes(
  checks: Readonly<Record<string, ReadinessCheck>>,
): { path: string; method: string[]; handler: Handler }[] {
  return [
    { path: '/healthz', method: ['GET', 'HEAD'], handler: (_req, res) => send(res, 200, { ok: true }) },
    {
      path: '/readyz',
      method: ['GET', 'HEAD'],
      handler: (_req, res) => {
        runChecks(checks).then((results) => {
          const ok = Object.values(results).every((result) => result === READY);
          send(res, ok ? 200 : 503, { ok, checks: results });
        });
      },
    },
  ];
}

async function runChecks(checks: Readonly<Record<string, ReadinessCheck>>): Promise<Record<string, string>> {
  const names = Object.keys(checks);
  const results = await Promise.all(
    names.map(async (name) => {
      try {
        return await checks[name]!();
      } catch (error) {
        return `check failed: ${error instanceof Error ? error.message.slice(0, 120) : 'unknown'}`;
      }
    }),
  );
  return Object.fromEntries(names.map((name, index) => [name, results[index]!]));
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
