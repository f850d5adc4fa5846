import { Agent, type Dispatcher, request } from 'undici';
import { USER_AGENT } from '../version.js';

/** A Slack Web API failure with Slack's error code, shaped like WebClient's so `slackErrorCode` reads it. */
export class SlackApiError extends Error {
  readonly data: { error: string };
  constructor(
    method: string,
    code: string,
    /** Worth another try: the request never got an answer, or Slack answered 429 or 5xx. */
    readonly retryable = false,
    /** The HTTP status when Slack answered with something other than 200. */
    readonly statusCode?: number,
    /** Seconds Slack asked us to wait (HTTP 429 `Retry-After`). */
    readonly retryAfterSec?: number,
  ) {
    super(`${method} failed: ${code}`);
    this.name = 'SlackApiError';
    this.data = { error: code };
  }
}

export interface SlackApiPoster {
  /**
   * One JSON POST to `method`; resolves to Slack's answer when `ok`, throws SlackApiError otherwise.
   * `timeoutMs` (for the headers, then for the body) overrides the poster's default for this call.
   */
  post(method: string, body: object, options?: { timeoutMs?: number }): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * The Slack Web API calls on the bot's hot paths as plain JSON posts on a keep-alive pool. Measured: WebClient
 * spends more CPU per call than the rest of the command path (it serialises and redacts every body for its
 * debug log whatever the level, and goes through a second HTTP stack), and that CPU is taken from the event
 * loop that acks the next request. One attempt per call: retrying is the caller's decision.
 */
export function createSlackApiPoster(options: {
  token: string;
  apiUrl?: string | undefined;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}): SlackApiPoster {
  const base = options.apiUrl ?? 'https://slack.com/api/';
  const timeoutMs = options.timeoutMs ?? 5_000;
  const dispatcher =
    options.dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connectTimeout: timeoutMs, connections: 64 });
  const headers = {
    authorization: `Bearer ${options.token}`,
    'content-type': 'application/json; charset=utf-8',
    'user-agent': USER_AGENT,
  };

  return {
    async post(method, body, { timeoutMs: callTimeoutMs = timeoutMs } = {}) {
      const response = await request(new URL(method, base), {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        dispatcher,
        headersTimeout: callTimeoutMs,
        bodyTimeout: callTimeoutMs,
      }).catch((error: unknown) => {
        const code = (error as { code?: unknown }).code;
        throw new SlackApiError(method, typeof code === 'string' ? code : 'request_failed', true);
      });
      if (response.statusCode !== 200) {
        await response.body.dump();
        const retryAfter = Number(response.headers['retry-after']);
        const status = response.statusCode;
        throw new SlackApiError(
          method,
          status === 429 ? 'ratelimited' : `http_${status}`,
          status === 429 || status >= 500,
          status,
          Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
        );
      }
      const answer = (await response.body.json().catch(() => null)) as Record<string, unknown> | null;
      if (answer?.ok !== true) {
        throw new SlackApiError(
          method,
          typeof answer?.error === 'string' ? answer.error : 'invalid_response',
        );
      }
      return answer;
    },
    async close() {
      if (!options.dispatcher) await dispatcher.close();
    },
  };
}
