import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ViewOutput } from '@slack/bolt';
import type { DestinationStream } from 'pino';
import { type Bot, createBot } from '../app.js';
import { type Config, loadConfig } from '../config/config.js';
import { createLogger } from '../logger.js';
import { SANDBOX_CREDENTIALS, startWdtSandbox, type WdtSandbox } from '../sandbox/server.js';
import { ConfirmModal } from '../slack/ids.js';
import { postToBolt } from '../standin/post-to-bolt.js';
import {
  buildSlashCommandBody,
  buildViewSubmissionPayload,
  DEFAULT_ACTOR,
  DEFAULT_CHANNEL,
  encodeInteractivePayload,
} from '../standin/slack-payloads.js';
import { type SlackStandin, startSlackStandin } from '../standin/slack-web-api.js';

/** Fake credentials for the local stack only: they open nothing outside this process. */
export const LOCAL_SIGNING_SECRET = 'local-stack-signing-secret';
export const LOCAL_BOT_TOKEN = 'xoxb-local-stack-bot-token';

export interface Person {
  id: string;
  name: string;
}

export interface LocalStackOptions {
  /** Config overrides (any variable of .env.example). */
  env?: Record<string, string>;
  usergroups?: Record<string, string[]>;
  logDestination?: DestinationStream;
  logLevel?: string;
}

export interface LocalStack {
  url: string;
  config: Config;
  bot: Bot;
  slack: SlackStandin;
  wdt: WdtSandbox;
  auditDbPath: string;
  command(text: string, as?: Person, channel?: { id: string; name: string }): ReturnType<typeof postToBolt>;
  /** The confirmation view the app opened for a command's trigger id, as Slack holds it. */
  openedView(triggerId?: string): Promise<ViewOutput>;
  submit(view: ViewOutput, reason: string | null, as?: Person): ReturnType<typeof postToBolt>;
  stop(): Promise<void>;
}

/**
 * The whole product on loopback: the WDT sandbox, the Slack Web API stand-in and the real bot in HTTP mode,
 * plus a driver that sends correctly signed Slack requests. Used by the demo, the end-to-end tests and the
 * benchmark.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const wdt = await startWdtSandbox({ port: 0 });
  const slack = await startSlackStandin({ port: 0, usergroups: options.usergroups ?? {} });
  const dataDir = await mkdtemp(join(tmpdir(), 'cancel-stockin-'));
  const auditDbPath = join(dataDir, 'audit.db');
  const config = loadConfig({
    SLACK_BOT_TOKEN: LOCAL_BOT_TOKEN,
    SLACK_SIGNING_SECRET: LOCAL_SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    WDT_SID: SANDBOX_CREDENTIALS.sid,
    WDT_APP_KEY: SANDBOX_CREDENTIALS.appKey,
    WDT_APP_SECRET: SANDBOX_CREDENTIALS.appSecret,
    WDT_BASE_URL: wdt.url,
    WDT_TIMEOUT_MS: '2000',
    PORT: '0',
    AUDIT_DB_PATH: auditDbPath,
    CANCEL_ALLOWED_USERS: DEFAULT_ACTOR.id,
    BOT_LOCALE: 'en',
    ...options.env,
  });
  const logger = createLogger({
    level: options.logLevel ?? 'warn',
    ...(options.logDestination ? { destination: options.logDestination } : {}),
    secrets: [config.SLACK_BOT_TOKEN, config.SLACK_SIGNING_SECRET, config.WDT_APP_SECRET],
  });
  const bot = await createBot(config, { logger });
  const { port } = await bot.start();
  const url = `http://127.0.0.1:${port}/slack/events`;
  const sign = { signingSecret: config.SLACK_SIGNING_SECRET };
  let lastTriggerId: string | undefined;

  return {
    url,
    config,
    bot,
    slack,
    wdt,
    auditDbPath,
    command(text, as = DEFAULT_ACTOR, channel = DEFAULT_CHANNEL) {
      const triggerId = `${Date.now()}.${Math.floor(Math.random() * 1e9)}.demo`;
      lastTriggerId = triggerId;
      const body = buildSlashCommandBody({
        text,
        user_id: as.id,
        user_name: as.name,
        channel_id: channel.id,
        channel_name: channel.name,
        trigger_id: triggerId,
        response_url: slack.responseUrl(),
      });
      return postToBolt(url, body, sign);
    },
    async openedView(triggerId = lastTriggerId) {
      const call = await slack.waitFor((c) => c.method === 'views.open' && c.args.trigger_id === triggerId, {
        timeoutMs: 5_000,
      });
      const metadata = (call.args.view as { private_metadata?: string } | undefined)?.private_metadata;
      const view = [...slack.views.values()].find((v) => v.private_metadata === metadata);
      if (!view) throw new Error('the stand-in holds no view for that views.open call');
      return view;
    },
    submit(view, reason, as = DEFAULT_ACTOR) {
      const payload = buildViewSubmissionPayload({
        view,
        user: { id: as.id, name: as.name, team_id: 'T0STANDIN' },
        values:
          reason === null
            ? {}
            : {
                [ConfirmModal.reasonBlock]: {
                  [ConfirmModal.reasonAction]: { type: 'plain_text_input', value: reason },
                },
              },
      });
      return postToBolt(url, encodeInteractivePayload(payload), sign);
    },
    async stop() {
      await bot.stop();
      await slack.close();
      await wdt.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
