import type { Config } from '../config/config.js';
import { type CheckResult, check, skipped } from './check.js';
import { MANIFEST_BOT_SCOPES } from './manifest-scopes.js';
import type { SlackCall } from './slack-web-api.js';
import { socketModeHello } from './socket-mode-check.js';

const TOKEN = 'Slack token';
const APP = 'Slack app';
const SCOPES = 'Slack scopes';
const SOCKET = 'Socket Mode';

const FIX_TOKEN: Record<string, string> = {
  invalid_auth: 'copy OAuth & Permissions → Bot User OAuth Token (xoxb-…) of this app into SLACK_BOT_TOKEN',
  not_authed: 'set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…)',
  token_revoked: 'the app was uninstalled or the token revoked: reinstall the app and copy the new token',
  account_inactive: 'the app was uninstalled or the token revoked: reinstall the app and copy the new token',
};

const FIX_APP_TOKEN: Record<string, string> = {
  invalid_auth:
    'create an app-level token with connections:write (Basic Information → App-Level Tokens) and copy it into SLACK_APP_TOKEN',
  not_allowed_token_type: 'SLACK_APP_TOKEN must be an app-level token (xapp-…), not a bot or user token',
  missing_scope: 'the app-level token needs the connections:write scope: create a new one with it',
};

/** Who the bot token says it is, as far as the other Slack checks need it. */
interface TokenIdentity {
  teamId: string;
  appId: string | null;
  scopes: string[] | null;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** The bot token, the app it belongs to, its scopes, and (when SLACK_APP_TOKEN is set) Socket Mode. */
export async function slackChecks(
  config: Config,
  deps: { call: SlackCall; timeoutMs: number },
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let answer: Awaited<ReturnType<SlackCall>>;
  try {
    answer = await deps.call('auth.test', config.SLACK_BOT_TOKEN);
  } catch (error) {
    const why = `cannot reach Slack's Web API (${(error as Error).message}): check this host's outbound HTTPS, proxy and SLACK_API_URL`;
    return [check('fail', TOKEN, why), ...skipped([APP, SCOPES, SOCKET], 'Slack could not be reached')];
  }
  if (!answer.ok) {
    const code = answer.error ?? 'no error code';
    const fix = FIX_TOKEN[code] ?? 'check SLACK_BOT_TOKEN';
    return [
      check('fail', TOKEN, `Slack refused the bot token (${code}): ${fix}`),
      ...skipped([APP, SCOPES, SOCKET], 'the bot token was refused'),
    ];
  }
  const { body } = answer;
  const teamId = text(body.team_id) ?? '(none)';
  results.push(
    check(
      'pass',
      TOKEN,
      `valid: workspace ${text(body.team) ?? '?'} (${teamId}), bot user ${text(body.user_id) ?? '?'}`,
    ),
  );
  const identity: TokenIdentity = {
    teamId,
    appId: text(body.app_id) ?? (await appOfBot(deps.call, config.SLACK_BOT_TOKEN, text(body.bot_id))),
    scopes: answer.scopes,
  };
  results.push(appCheck(config, identity, body.is_enterprise_install === true));
  results.push(scopesCheck(identity.scopes));
  results.push(await socketModeCheck(config, identity, deps));
  return results;
}

/** `bots.info` names the app a bot belongs to (auth.test does not always say); needs `users:read`. */
async function appOfBot(call: SlackCall, token: string, botId: string | null): Promise<string | null> {
  if (botId === null) return null;
  try {
    const answer = await call('bots.info', token, { bot: botId });
    const bot = answer.body.bot as { app_id?: unknown } | undefined;
    return answer.ok ? text(bot?.app_id) : null;
  } catch {
    return null;
  }
}

function appCheck(config: Config, identity: TokenIdentity, orgWide: boolean): CheckResult {
  const { appId } = identity;
  if (orgWide) {
    return check(
      'warn',
      APP,
      `installed org-wide on Enterprise Grid: the bot serves only workspace ${identity.teamId} and refuses requests from the others (docs/install.md, Enterprise Grid)`,
    );
  }
  if (config.SLACK_APP_ID === undefined) {
    return appId === null
      ? check('warn', APP, 'SLACK_APP_ID is not set and Slack did not say which app the token belongs to')
      : check(
          'warn',
          APP,
          `the token belongs to app ${appId}: set SLACK_APP_ID=${appId} so requests for any other app are refused`,
        );
  }
  if (appId === null) {
    return check(
      'warn',
      APP,
      `SLACK_APP_ID is ${config.SLACK_APP_ID}; Slack did not say which app the token belongs to`,
    );
  }
  return appId === config.SLACK_APP_ID
    ? check('pass', APP, `the token belongs to app ${appId}, as SLACK_APP_ID says`)
    : check(
        'fail',
        APP,
        `SLACK_APP_ID is ${config.SLACK_APP_ID} but the bot token belongs to app ${appId}: use both from the same app (Basic Information → App ID)`,
      );
}

function scopesCheck(scopes: string[] | null): CheckResult {
  if (scopes === null) {
    return check('warn', SCOPES, 'Slack did not say which scopes the token holds (no x-oauth-scopes header)');
  }
  const missing = MANIFEST_BOT_SCOPES.filter((scope) => !scopes.includes(scope));
  return missing.length === 0
    ? check('pass', SCOPES, `every scope manifest.yml asks for: ${MANIFEST_BOT_SCOPES.join(', ')}`)
    : check(
        'fail',
        SCOPES,
        `missing ${missing.join(', ')}: add them (or update the app from manifest.yml), then reinstall the app to the workspace`,
      );
}

async function socketModeCheck(
  config: Config,
  identity: TokenIdentity,
  deps: { call: SlackCall; timeoutMs: number },
): Promise<CheckResult> {
  const appToken = config.SLACK_APP_TOKEN;
  if (appToken === undefined) {
    return check(
      'info',
      'HTTP mode',
      'SLACK_APP_TOKEN is not set: Slack must reach POST https://<your host>/slack/events (Request URLs in the app settings)',
    );
  }
  let answer: Awaited<ReturnType<SlackCall>>;
  try {
    answer = await deps.call('apps.connections.open', appToken);
  } catch (error) {
    return check('fail', SOCKET, `cannot reach Slack's Web API (${(error as Error).message})`);
  }
  const url = text(answer.body.url);
  if (!answer.ok || url === null) {
    const code = answer.error ?? 'no URL';
    return check(
      'fail',
      SOCKET,
      `Slack refused the app-level token (${code}): ${FIX_APP_TOKEN[code] ?? 'check SLACK_APP_TOKEN'}`,
    );
  }
  const socketAppId = new URL(url).searchParams.get('app_id');
  if (socketAppId !== null && identity.appId !== null && socketAppId !== identity.appId) {
    return check(
      'fail',
      SOCKET,
      `SLACK_APP_TOKEN belongs to app ${socketAppId}, the bot token to app ${identity.appId}: take both from the same app`,
    );
  }
  const outcome = await socketModeHello(url, deps.timeoutMs);
  return outcome === 'hello'
    ? check('pass', SOCKET, 'connected, and Slack said hello (the connection was closed again at once)')
    : check(
        'fail',
        SOCKET,
        `the WebSocket did not open: ${outcome}; check that this host may open outbound wss:// connections`,
      );
}
