import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { type Bot, createBot } from '../../app.js';
import type { SharedClock } from '../../audit/sqlite/shared-clock.js';
import { type Config, loadConfig } from '../../config/config.js';
import type { Clock } from '../../core/ports/clock.js';
import { createLogger } from '../../logger.js';
import { DEFAULT_ACTOR } from '../slack-standin/payloads.js';
import { type SlackStandin, startSlackStandin } from '../slack-standin/web-api.js';
import { SANDBOX_CREDENTIALS, startWdtSandbox, type WdtSandbox } from '../wdt-standin/server.js';
import { createSlackDriver, type SlackDriver } from './slack-driver.js';

export type { Person } from './slack-driver.js';

/** Fake credentials for the local stack only: they open nothing outside this process. */
export const LOCAL_SIGNING_SECRET = 'local-stack-signing-secret';
export const LOCAL_BOT_TOKEN = 'xoxb-local-stack-bot-token';

export interface LocalStackOptions {
  /** Config overrides (any variable of .env.example). */
  env?: Record<string, string>;
  usergroups?: Record<string, string[]>;
  /** Slack locales of people (users.info), e.g. `{ U0…: 'zh-CN' }`. */
  userLocales?: Record<string, string>;
  logDestination?: DestinationStream;
  logLevel?: string;
  /**
   * The bot's clock, and its SQLite store's (e.g. to move past an approval's expiry); the sandbox and Slack
   * keep real time.
   */
  clock?: SharedClock;
  /** See BotOverrides.requestClock. */
  requestClock?: Clock;
  /** See BotOverrides.triggerBudgetMs. */
  triggerBudgetMs?: number;
}

export interface LocalStack {
  url: string;
  config: Config;
  bot: Bot;
  slack: SlackStandin;
  wdt: WdtSandbox;
  auditDbPath: string;
  /** Signed Slack requests to this bot, and the views it opened. */
  driver: SlackDriver;
  command: SlackDriver['command'];
  openedView: SlackDriver['openedView'];
  submit: SlackDriver['submit'];
  stop(): Promise<void>;
}

/**
 * The whole product on loopback: the WDT sandbox, the Slack Web API stand-in and the real bot in HTTP mode,
 * plus a driver that sends correctly signed Slack requests. Used by the demo, the end-to-end tests and the
 * benchmark.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const wdt = await startWdtSandbox({ port: 0 });
  const slack = await startSlackStandin({
    port: 0,
    usergroups: options.usergroups ?? {},
    userLocales: options.userLocales ?? {},
  });
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
  const bot = await createBot(config, {
    logger,
    ...(options.clock ? { clock: options.clock, storeClock: options.clock } : {}),
    ...(options.requestClock ? { requestClock: options.requestClock } : {}),
    ...(options.triggerBudgetMs === undefined ? {} : { triggerBudgetMs: options.triggerBudgetMs }),
  });
  const { port } = await bot.start();
  const url = `http://127.0.0.1:${port}/slack/events`;
  const driver = createSlackDriver({ slack, signingSecret: config.SLACK_SIGNING_SECRET, url });

  return {
    url,
    config,
    bot,
    slack,
    wdt,
    auditDbPath,
    driver,
    command: driver.command,
    openedView: driver.openedView,
    submit: driver.submit,
    async stop() {
      await bot.stop();
      await slack.close();
      await wdt.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
