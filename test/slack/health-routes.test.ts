import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboxSummary } from '../../src/core/ports/outbox.js';
import { OUTBOX_NOTE_AFTER_MS, readinessNotes } from '../../src/readiness.js';
import {
  healthRoutes,
  READY,
  type ReadinessCheck,
  type ReadinessNote,
} from '../../src/slack/health-routes.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** GET /readyz on a server serving only the health routes. */
async function readyz(checks: Record<string, ReadinessCheck>, notes: Record<string, ReadinessNote>) {
  const route = healthRoutes(checks, notes).find((candidate) => candidate.path === '/readyz')!;
  server = createServer((req, res) => route.handler(req, res));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: response.status, body: (await response.json()) as { notes?: Record<string, string> } };
}

const outboxNote = (summary: OutboxSummary | Promise<never>) =>
  readinessNotes({
    outbox: () => (summary instanceof Promise ? summary : Promise.resolve(summary)),
    waitMs: 50,
  }).outbox!;

describe('/readyz notes: said, never failing', () => {
  it('says nothing while the outbox keeps up, and how long messages wait once they wait minutes', async () => {
    const fresh = { pending: 3, oldestPendingMs: OUTBOX_NOTE_AFTER_MS - 1, givenUp: 0 };
    expect(await outboxNote(fresh)()).toBeNull();
    expect(await outboxNote({ pending: 0, oldestPendingMs: null, givenUp: 4 })()).toBeNull();
    expect(await outboxNote({ pending: 12, oldestPendingMs: 250_000, givenUp: 0 })()).toBe(
      '12 messages waiting for Slack, the oldest for 4m10s (npm run audit -- outbox)',
    );
    expect(await outboxNote({ pending: 1, oldestPendingMs: 3 * 3_600_000, givenUp: 0 })()).toBe(
      '1 message waiting for Slack, the oldest for 3h00m (npm run audit -- outbox)',
    );
    // A store that does not answer says nothing here: the audit check speaks for it.
    expect(await outboxNote(new Promise<never>(() => {}))()).toBeNull();
  });

  it('adds the notes to the body and keeps the status the checks decide', async () => {
    const waiting = () => '2 messages waiting for Slack, the oldest for 5m00s (npm run audit -- outbox)';
    const ready = await readyz({ audit: () => READY }, { outbox: waiting, quiet: () => null });
    expect(ready).toEqual({
      status: 200,
      body: { ok: true, checks: { audit: 'ok' }, notes: { outbox: waiting() } },
    });
    const failing = await readyz({ audit: () => 'unavailable: ECONNREFUSED' }, { outbox: waiting });
    expect(failing.status).toBe(503);
    expect(failing.body.notes).toEqual({ outbox: waiting() });
  });

  it('leaves notes out of the body when none has anything to say', async () => {
    const quiet = await readyz(
      { audit: () => READY },
      { outbox: () => null, broken: () => Promise.reject(new Error('x')) },
    );
    expect(quiet).toEqual({ status: 200, body: { ok: true, checks: { audit: 'ok' } } });
  });
});
