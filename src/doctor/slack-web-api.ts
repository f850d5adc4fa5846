import { request } from 'undici';
import { USER_AGENT } from '../version.js';

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

/** Slack's answer, and the scopes its `x-oauth-scopes` header says the token holds (null: no header). */
interface SlackAnswer {
  ok: boolean;
  error: string | null;
  body: Record<string, unknown>;
  scopes: string[] | null;
}

/** One Web API call; rejects only when no answer came (network, timeout, a status other than 200). */
export type SlackCall = (
  method: string,
  token: string,
  args?: Record<string, string>,
) => Promise<SlackAnswer>;

/**
 * The doctor's own Web API calls, as plain form posts: it needs the response headers (the granted scopes),
 * which the bot's clients do not keep. The token travels in the Authorization header only.
 */
export function makeSlackCall(apiUrl: string, timeoutMs: number): SlackCall {
  return async (method, token, args = {}) => {
    const response = await request(new URL(method, apiUrl), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': USER_AGENT,
      },
      body: new URLSearchParams(args).toString(),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    }).catch((error: unknown) => {
      const code = (error as { code?: unknown }).code;
      throw new Error(typeof code === 'string' ? code : 'request failed');
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new Error(`HTTP ${response.statusCode}`);
    }
    const body = ((await response.body.json().catch(() => null)) ?? {}) as Record<string, unknown>;
    const header = response.headers['x-oauth-scopes'];
    const scopes = typeof header === 'string' ? header.split(',').map((scope) => scope.trim()) : null;
    return {
      ok: body.ok === true,
      error: typeof body.error === 'string' ? body.error.slice(0, 80) : null,
      body,
      scopes: scopes?.filter(Boolean) ?? null,
    };
  };
}
