import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Bot, createBot } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import {
  buildEventEnvelope,
  buildFunctionExecutedEvent,
  buildGlobalShortcutPayload,
  buildMessageShortcutPayload,
  buildSlashCommand,
  buildViewSubmissionPayload,
  DEFAULT_ACTOR,
  DEFAULT_CHANNEL,
} from '../../src/local/slack-standin/payloads.js';
import { type SlackStandin, startSlackStandin } from '../../src/local/slack-standin/web-api.js';
import { SANDBOX_CREDENTIALS, startWdtSandbox, type WdtSandbox } from '../../src/local/wdt-standin/server.js';
import { createLogger } from '../../src/logger.js';
import { ConfirmModal, GlobalShortcut, WorkflowStep } from '../../src/slack/ids.js';
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

  it('takes the message shortcut, the global shortcut and the workflow step as envelopes, through the same flow', async () => {
    const { slack, wdt } = await startSocketModeBot();
    await slack.socketMode.waitForConnectionCount(1, { timeoutMs: 10_000 });
    const cancels = () => wdt.calls.filter((c) => c.method === 'wms.stockin.Purchase.cancel');
    const reason = (view: NonNullable<ReturnType<typeof slack.views.get>>) =>
      buildViewSubmissionPayload({
        view,
        values: {
          [ConfirmModal.reasonBlock]: {
            [ConfirmModal.reasonAction]: { type: 'plain_text_input', value: 'over the socket' },
          },
        },
      });
    const viewOpenedBy = async (triggerId: string) => {
      const open = await slack.waitFor((c) => c.method === 'views.open' && c.args.trigger_id === triggerId);
      return (open.answer?.body as { view?: { id?: string } } | undefined)?.view?.id ?? '';
    };

    // The message shortcut: the dialog for the number in the message, the outcome in its thread.
    const shortcut = buildMessageShortcutPayload({
      message: { ts: '1700000555.000200', text: 'please cancel RK2006030008' },
      response_url: slack.responseUrl(),
    });
    const shortcutAck = await slack.socketMode.deliver({ type: 'interactive', payload: shortcut });
    expect(shortcutAck.ackedAfterMs).toBeLessThan(3_000);
    const dialogId = await viewOpenedBy(shortcut.trigger_id);
    await slack.waitFor((c) => c.method === 'views.update' && c.args.view_id === dialogId, {
      timeoutMs: 10_000,
    });
    await slack.socketMode.deliver({ type: 'interactive', payload: reason(slack.views.get(dialogId)!) });
    const threaded = await slack.waitFor('chat.postMessage', { timeoutMs: 5_000 });
    expect(threaded.args.thread_ts).toBe('1700000555.000200');
    expect(cancels()).toHaveLength(1);

    // The global shortcut: its dialog, then the preview in the same view.
    const global = buildGlobalShortcutPayload();
    await slack.socketMode.deliver({ type: 'interactive', payload: global });
    const globalId = await viewOpenedBy(global.trigger_id);
    const from = slack.calls.length;
    const submitted = await slack.socketMode.deliver({
      type: 'interactive',
      payload: buildViewSubmissionPayload({
        view: slack.views.get(globalId)!,
        values: {
          [GlobalShortcut.ordersBlock]: {
            [GlobalShortcut.ordersAction]: { type: 'plain_text_input', value: 'RK2006030009' },
          },
          [GlobalShortcut.channelBlock]: {
            [GlobalShortcut.channelAction]: {
              type: 'conversations_select',
              selected_conversation: DEFAULT_CHANNEL.id,
            },
          },
        },
      }),
    });
    expect(submitted.payload).toMatchObject({ response_action: 'update' });
    await slack.waitFor((c) => c.method === 'views.update' && c.args.view_id === globalId, {
      timeoutMs: 10_000,
      fromIndex: from,
    });
    expect(slack.views.get(globalId)!.callback_id).toBe(ConfirmModal.callbackId);

    // The workflow step: acked at once, completed once the cancel is recorded.
    const event = buildFunctionExecutedEvent({
      callbackId: WorkflowStep.callbackId,
      inputs: {
        order_numbers: 'RK2006030010',
        reason: 'workflow over the socket',
        requester: DEFAULT_ACTOR.id,
        outcome_channel: DEFAULT_CHANNEL.id,
      },
    });
    const stepAck = await slack.socketMode.deliver({
      type: 'events_api',
      payload: buildEventEnvelope(event),
    });
    expect(stepAck.ackedAfterMs).toBeLessThan(3_000);
    await slack.waitFor('functions.completeSuccess', { timeoutMs: 15_000 });
    expect(slack.functionCompletions.get(event.function_execution_id)).toMatchObject({
      kind: 'success',
      outputs: { cancelled: ['RK2006030010'] },
    });
  }, 40_000);

  it('serves its plain routes on HOST only', async () => {
    const { port } = await startSocketModeBot({ HOST: '127.0.0.2' });
    expect((await fetch(`http://127.0.0.2:${port}/healthz`)).status).toBe(200);
    const metrics = await scrapeMetrics(`http://127.0.0.2:${port}/`);
    expect(metrics.get('cancel_stockin_commands_total{result="admitted"}')).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
