import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Bot, createBot } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import {
  buildSlashCommand,
  buildViewSubmissionPayload,
  DEFAULT_ACTOR,
} from '../../src/local/slack-standin/payloads.js';
import { type SlackStandin, startSlackStandin } from '../../src/local/slack-standin/web-api.js';
import { SANDBOX_CREDENTIALS, startWdtSandbox, type WdtSandbox } from '../../src/local/wdt-standin/server.js';
import { createLogger } from '../../src/logger.js';
import { ConfirmModal } from '../../src/slack/ids.js';
import { scrapeMetrics } from '../support/prometheus-text.js';

const ORDER = 'RK2006030008';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function startSocketModeBot(env: Record<string, string> = {}): Promise<{
  bot: Bot;
  slack: SlackStandin;
  wdt: WdtSandbox;
  port: number;
}> {
  const wdt = await startWdtSandbox({ port: 0 });
  const slack = await startSlackStandin({ port: 0 });
  const dir = await mkdtemp(join(tmpdir(), 'cancel-stockin-socket-'));
  const port = await freePort();
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-socket-mode-test',
    SLACK_SIGNING_SECRET: 'socket-mode-signing-secret',
    SLACK_APP_TOKEN: 'xapp-1-socket-mode-test',
    SLACK_API_URL: slack.apiUrl,
    PORT: String(port),
    WDT_SID: SANDBOX_CREDENTIALS.sid,
    WDT_APP_KEY: SANDBOX_CREDENTIALS.appKey,
    WDT_APP_SECRET: SANDBOX_CREDENTIALS.appSecret,
    WDT_BASE_URL: wdt.url,
    AUDIT_DB_PATH: join(dir, 'audit.db'),
    CANCEL_ALLOWED_USERS: DEFAULT_ACTOR.id,
    BOT_LOCALE: 'en',
    LOG_LEVEL: 'error',
    ...env,
  });
  const bot = await createBot(config, { logger: createLogger({ level: 'error' }) });
  await bot.start();
  cleanup = async () => {
    await bot.stop();
    await slack.close();
    await wdt.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { bot, slack, wdt, port };
}

describe('Socket Mode end to end', () => {
  it('acks a slash command and a view submission delivered as envelopes, cancels, and survives a dropped connection', async () => {
    const { slack, wdt, port } = await startSocketModeBot();
    await slack.socketMode.waitForConnectionCount(1, { timeoutMs: 10_000 });

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

    const command = buildSlashCommand({ text: ORDER, response_url: slack.responseUrl() });
    const commandAck = await slack.socketMode.deliver({ type: 'slash_commands', payload: command });
    expect(commandAck.ackedAfterMs).toBeLessThan(3_000);
    const open = await slack.waitFor(
      (c) => c.method === 'views.open' && c.args.trigger_id === command.trigger_id,
    );
    // The dialog opens with "Looking up…" and becomes submittable once the preview replaces it.
    const openedId = (open.answer?.body as { view?: { id?: string } } | undefined)?.view?.id ?? '';
    await slack.waitFor((c) => c.method === 'views.update' && c.args.view_id === openedId, {
      timeoutMs: 10_000,
    });
    const view = slack.views.get(openedId)!;

    slack.socketMode.dropAll();
    await slack.socketMode.waitForConnectionCount(2, { timeoutMs: 20_000 });

    const submission = buildViewSubmissionPayload({
      view,
      values: {
        [ConfirmModal.reasonBlock]: {
          [ConfirmModal.reasonAction]: { type: 'plain_text_input', value: 'socket' },
        },
      },
    });
    const submitAck = await slack.socketMode.deliver({ type: 'interactive', payload: submission });
    expect(submitAck.payload).toMatchObject({ response_action: 'update' });

    const post = await slack.waitFor('chat.postMessage', { timeoutMs: 5_000 });
    expect(JSON.stringify(post.args.blocks)).toContain('Cancelled');
    expect(wdt.calls.filter((c) => c.method === 'wms.stockin.Purchase.cancel')).toHaveLength(1);
    const metrics = await scrapeMetrics(`http://127.0.0.1:${port}/`);
    expect(metrics.get('cancel_stockin_commands_total{result="admitted"}')).toBe(1);
    expect(metrics.get('cancel_stockin_cancels_total{outcome="cancelled"}')).toBe(1);
  }, 40_000);

  it('serves its plain routes on HOST only', async () => {
    const { port } = await startSocketModeBot({ HOST: '127.0.0.2' });
    expect((await fetch(`http://127.0.0.2:${port}/healthz`)).status).toBe(200);
    const metrics = await scrapeMetrics(`http://127.0.0.2:${port}/`);
    expect(metrics.get('cancel_stockin_commands_total{result="admitted"}')).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
