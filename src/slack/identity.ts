import type { Authorize } from '@slack/bolt';
import type { Logger } from 'pino';
import { slackErrorCode } from './error-code.js';

/** Who the bot token says the bot is: the workspace (and Grid org, and app) every request must come from. */
export interface WorkspaceIdentity {
  teamId: string;
  enterpriseId: string | null;
  /** `SLACK_APP_ID` when configured, else the `app_id` auth.test returned, else null (app not checked). */
  appId: string | null;
  botUserId: string;
  botId: string | undefined;
}

export interface AuthTestAnswer {
  team_id?: string;
  enterprise_id?: string;
  app_id?: string;
  user_id?: string;
  bot_id?: string;
}

export interface SlackIdentity {
  /** Null until auth.test has succeeded once. */
  current(): WorkspaceIdentity | null;
  /** `ok`, `pending` (first lookup not answered yet) or `failing: <Slack error>`. */
  status(): string;
  /** Bolt's authorize: the bot token and ids once known; throws (Bolt then acks and runs nothing) before. */
  authorize: Authorize<boolean>;
  /**
   * Starts the lookups (the first at once, then with backoff until one succeeds); resolves when the first
   * has succeeded or failed.
   */
  start(): Promise<void>;
  stop(): void;
}

export const IDENTITY_RETRY = { firstDelayMs: 1_000, maxDelayMs: 60_000 } as const;

/**
 * The bot's identity from `auth.test`, looked up in the background and retried with backoff until it
 * succeeds. Bolt's own single-token authorize runs auth.test once and keeps its promise: a failure at
 * start-up (Slack down, a token pasted a minute late) then refuses every request until a restart. Here a
 * failure is retried, shown on `/readyz`, and the first success serves requests without a restart.
 */
export function createSlackIdentity(options: {
  botToken: string;
  authTest: () => Promise<AuthTestAnswer>;
  configuredAppId: string | undefined;
  logger: Logger;
  retry?: { firstDelayMs: number; maxDelayMs: number };
}): SlackIdentity {
  const { logger } = options;
  const retry = options.retry ?? IDENTITY_RETRY;
  let identity: WorkspaceIdentity | null = null;
  let failure: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let delayMs = retry.firstDelayMs;

  const lookup = async (): Promise<void> => {
    try {
      const answer = await options.authTest();
      if (!answer.team_id || !answer.user_id)
        throw new Error('auth.test answered without team_id or user_id');
      identity = {
        teamId: answer.team_id,
        enterpriseId: answer.enterprise_id || null,
        appId: options.configuredAppId ?? (answer.app_id || null),
        botUserId: answer.user_id,
        botId: answer.bot_id,
      };
      failure = null;
      logger.info(
        { teamId: identity.teamId, enterpriseId: identity.enterpriseId, appId: identity.appId },
        'Slack identity verified (auth.test): requests from any other workspace or app are refused',
      );
      if (identity.appId === null) {
        logger.warn('auth.test gave no app id and SLACK_APP_ID is not set: api_app_id is not checked');
      }
    } catch (error) {
      const code = slackErrorCode(error);
      failure = code === 'unknown_error' && error instanceof Error ? error.message.slice(0, 120) : code;
      if (stopped) return;
      logger.error(
        { err: error, retryInMs: delayMs },
        `Slack auth.test failed (${failure}): no request is served until it succeeds; retrying`,
      );
      timer = setTimeout(() => void lookup(), delayMs);
      timer.unref();
      delayMs = Math.min(delayMs * 2, retry.maxDelayMs);
    }
  };

  return {
    current: () => identity,
    status: () => (identity ? 'ok' : failure === null ? 'pending' : `failing: ${failure}`),
    authorize: async ({ isEnterpriseInstall }) => {
      if (!identity)
        throw new Error(`the bot's Slack identity is not verified yet (${failure ?? 'pending'})`);
      return {
        isEnterpriseInstall,
        botToken: options.botToken,
        botUserId: identity.botUserId,
        ...(identity.botId === undefined ? {} : { botId: identity.botId }),
      };
    },
    start() {
      stopped = false;
      return lookup();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
