import type { ServerResponse } from 'node:http';

/**
 * One named readiness check: resolves `ok` when that part can serve a cancel, or a short reason otherwise
 * (`failing: invalid_auth`, `disconnected`). Never a secret.
 */
export type ReadinessCheck = () => Promise<string> | string;

export const READY = 'ok';

/**
 * Something `/readyz` says without failing: the bot serves, but an operator should know (messages waiting for
 * Slack for minutes). Resolves null when there is nothing to say.
 */
export type ReadinessNote = () => Promise<string | null> | string | null;

type Handler = (req: unknown, res: ServerResponse) => void;

/**
 * `/healthz` is liveness (the process answers, nothing else is asked). `/readyz` runs every check and is 200
 * only when all say `ok`; the body names each one, e.g.
 * `{"ok":false,"checks":{"accepting":"ok","audit":"ok","slack_auth":"failing: invalid_auth","socket":"disconnected"}}`,
 * and adds `notes` only when one has something to say, whatever the status:
 * `{"ok":true,"checks":{…},"notes":{"outbox":"3 messages waiting for Slack, the oldest for 4m10s"}}`.
 */
export function healthRoutes(
  checks: Readonly<Record<string, ReadinessCheck>>,
  notes: Readonly<Record<string, ReadinessNote>> = {},
): { path: string; method: string[]; handler: Handler }[] {
  return [
    { path: '/healthz', method: ['GET', 'HEAD'], handler: (_req, res) => send(res, 200, { ok: true }) },
    {
      path: '/readyz',
      method: ['GET', 'HEAD'],
      handler: (_req, res) => {
        Promise.all([runChecks(checks), runNotes(notes)]).then(([results, said]) => {
          const ok = Object.values(results).every((result) => result === READY);
          send(res, ok ? 200 : 503, { ok, checks: results, ...(said ? { notes: said } : {}) });
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

/** The notes that have something to say; null when none has. A note that fails says nothing. */
async function runNotes(
  notes: Readonly<Record<string, ReadinessNote>>,
): Promise<Record<string, string> | null> {
  const said = await Promise.all(
    Object.entries(notes).map(async ([name, note]) => [
      name,
      await Promise.resolve(note()).catch(() => null),
    ]),
  );
  const kept = said.filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  return kept.length === 0 ? null : Object.fromEntries(kept);
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
