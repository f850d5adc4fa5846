import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSlackDriver, type SlackDriver } from '../../src/local/demo/slack-driver.js';
import { DEFAULT_ACTOR } from '../../src/local/slack-standin/payloads.js';
import { startSlackStandin } from '../../src/local/slack-standin/web-api.js';
import { SANDBOX_CREDENTIALS, startWdtSandbox } from '../../src/local/wdt-standin/server.js';
import { type SpawnedBot, spawnBot } from './spawn-bot.js';

export const PROCESS_SIGNING_SECRET = 'process-stack-signing-secret';

export interface BotProcess extends SpawnedBot {
  driver: SlackDriver;
}

/**
 * The WDT sandbox and the Slack stand-in in the test process, and real bot processes (`src/main.ts`) started
 * against them on demand: for kill -9, SIGTERM and several-replica tests.
 */
export async function startProcessStack(
  env: Record<string, string> = {},
  options: { compiled?: boolean } = {},
) {
  const wdt = await startWdtSandbox({ port: 0 });
  const slack = await startSlackStandin({ port: 0 });
  const dataDir = await mkdtemp(join(tmpdir(), 'cancel-stockin-proc-'));
  const auditDbPath = join(dataDir, 'audit.db');
  const bots: SpawnedBot[] = [];
  const baseEnv: Record<string, string> = {
    SLACK_BOT_TOKEN: 'xoxb-process-stack-token',
    SLACK_SIGNING_SECRET: PROCESS_SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    WDT_SID: SANDBOX_CREDENTIALS.sid,
    WDT_APP_KEY: SANDBOX_CREDENTIALS.appKey,
    WDT_APP_SECRET: SANDBOX_CREDENTIALS.appSecret,
    WDT_BASE_URL: wdt.url,
    WDT_TIMEOUT_MS: '20000',
    AUDIT_DB_PATH: auditDbPath,
    CANCEL_ALLOWED_USERS: DEFAULT_ACTOR.id,
    BOT_LOCALE: 'en',
    ...env,
  };
  /** Kills every bot process started so far (a stopped one is let run first) and waits for them. */
  async function killBots() {
    for (const bot of bots.splice(0)) {
      if (bot.child.exitCode === null && bot.child.signalCode === null) {
        bot.child.kill('SIGCONT');
        bot.child.kill('SIGKILL');
      }
      await bot.exited;
    }
  }

  return {
    wdt,
    slack,
    auditDbPath,
    async spawn(extra: Record<string, string> = {}): Promise<BotProcess> {
      const bot = await spawnBot({ ...baseEnv, ...extra }, { compiled: options.compiled ?? false });
      bots.push(bot);
      return {
        ...bot,
        driver: createSlackDriver({ slack, signingSecret: PROCESS_SIGNING_SECRET, url: bot.url }),
      };
    },
    killBots,
    async stop() {
      await killBots();
      await slack.close();
      await wdt.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type ProcessStack = Awaited<ReturnType<typeof startProcessStack>>;

/** Polls until `check` returns a truthy value, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
