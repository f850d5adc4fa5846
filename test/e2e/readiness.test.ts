import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildSlashCommand } from '../../src/local/slack-standin/payloads.js';
import { eventually, type ProcessStack, startProcessStack } from '../support/process-stack.js';

const ORDER = 'RK2006030008';

let stack: ProcessStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Readyz {
  status: number;
  body: { ok: boolean; checks: Record<string, string> };
}

async function readyz(port: number): Promise<Readyz> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: response.status, body: (await response.json()) as Readyz['body'] };
}

describe('/readyz tells the truth (the real process)', () => {
  it('auth.test failing at start: 503 naming it, commands refused; once it succeeds, ready and serving without a restart', async () => {
    stack = await startProcessStack();
    stack.slack.faults.set('auth.test', { error: 'invalid_auth' });
    const bot = await stack.spawn();

    const failing = await readyz(bot.port);
    expect(failing.status).toBe(503);
    expect(failing.body.checks).toEqual({
      accepting: 'ok',
      audit: 'ok',
      slack_auth: 'failing: invalid_auth',
      instance_lease: 'ok',
    });
    expect('socket' in failing.body.checks).toBe(false);
    await bot.driver.command(ORDER);
    expect(stack.slack.callsTo('views.open')).toHaveLength(0);
    // /healthz stays a cheap liveness answer.
    expect((await fetch(`http://127.0.0.1:${bot.port}/healthz`)).status).toBe(200);

    stack.slack.faults.clear('auth.test');
    const ready = await eventually(async () => {
      const answer = await readyz(bot.port);
      return answer.status === 200 && answer;
    }, 20_000);
    expect(ready.body).toEqual({
      ok: true,
      checks: { accepting: 'ok', audit: 'ok', slack_auth: 'ok', instance_lease: 'ok' },
    });
    await bot.driver.command(ORDER);
    expect(await bot.driver.openedView()).toBeDefined();
  }, 60_000);

  it('Socket Mode: 503 while the WebSocket is down, 200 again once it reconnects', async () => {
    stack = await startProcessStack({ SLACK_APP_TOKEN: 'xapp-1-readiness-test' });
    // Socket Mode's receiver does not say which port it took: give it one.
    const port = await freePort();
    await stack.spawn({ PORT: String(port) });
    const bot = { port };
    await stack.slack.socketMode.waitForConnectionCount(1, { timeoutMs: 15_000 });
    await eventually(async () => (await readyz(bot.port)).status === 200, 15_000);
    expect((await readyz(bot.port)).body.checks.socket).toBe('ok');

    // The connection drops and Slack will not hand out a new one for now.
    stack.slack.faults.set('apps.connections.open', { error: 'internal_error' });
    stack.slack.socketMode.dropAll();
    const down = await eventually(async () => {
      const answer = await readyz(bot.port);
      return answer.status === 503 && answer;
    }, 20_000);
    expect(down.body.checks.socket).not.toBe('ok');
    expect(down.body.checks.slack_auth).toBe('ok');

    stack.slack.faults.clear('apps.connections.open');
    await eventually(async () => (await readyz(bot.port)).status === 200, 30_000);
    const ack = await stack.slack.socketMode.deliver(
      {
        type: 'slash_commands',
        payload: buildSlashCommand({ text: ORDER, response_url: stack.slack.responseUrl() }),
      },
      { timeoutMs: 5_000 },
    );
    expect(ack.envelope_id).toBeDefined();
  }, 90_000);
});
