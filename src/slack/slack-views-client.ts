import type { ModalView } from '@slack/types';
import { Agent, type Dispatcher, request } from 'undici';
import { USER_AGENT } from '../version.js';

/** A Slack Web API failure with Slack's error code, shaped like WebClient's so `slackErrorCode` reads it. */
export class SlackApiError extends Error {
  readonly data: { error: string };
  constructor(method: string, code: string) {
    super(`${method} failed: ${code}`);
    this.name = 'SlackApiError';
    this.data = { error: code };
  }
}

export interface SlackViews {
  open(triggerId: string, view: ModalView): Promise<{ id: string; hash: string }>;
  update(args: { viewId: string; hash?: string; view: ModalView }): Promise<{ id: string; hash: string }>;
  close(): Promise<void>;
}

interface ViewAnswer {
  ok: boolean;
  error?: string;
  view?: { id?: string; hash?: string };
}

/**
 * `views.open` and `views.update` — the two calls every command makes inside the trigger id's 3 seconds —
 * as plain JSON posts on a keep-alive pool. Measured: WebClient spends more CPU per call than the rest of the
 * command path (it serialises and redacts every body for its debug log whatever the level), and that CPU is
 * taken from the event loop that acks the next command. No retries: a trigger id does not outlive one.
 */
export function createSlackViewsClient(options: {
  token: string;
  apiUrl?: string | undefined;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}): SlackViews {
  const base = options.apiUrl ?? 'https://slack.com/api/';
  const timeoutMs = options.timeoutMs ?? 5_000;
  const dispatcher =
    options.dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connectTimeout: timeoutMs, connections: 64 });
  const headers = {
    authorization: `Bearer ${options.token}`,
    'content-type': 'application/json; charset=utf-8',
    'user-agent': USER_AGENT,
  };

  async function call(method: string, body: object): Promise<{ id: string; hash: string }> {
    const response = await request(new URL(method, base), {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      dispatcher,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    }).catch((error: unknown) => {
      const code = (error as { code?: unknown }).code;
      throw new SlackApiError(method, typeof code === 'string' ? code : 'request_failed');
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new SlackApiError(method, `http_${response.statusCode}`);
    }
    const answer = (await response.body.json().catch(() => null)) as ViewAnswer | null;
    if (!answer?.ok) throw new SlackApiError(method, answer?.error ?? 'invalid_response');
    return { id: answer.view?.id ?? '', hash: answer.view?.hash ?? '' };
  }

  return {
    open: (triggerId, view) => call('views.open', { trigger_id: triggerId, view }),
    update: ({ viewId, hash, view }) =>
      call('views.update', { view_id: viewId, ...(hash ? { hash } : {}), view }),
    async close() {
      if (!options.dispatcher) await dispatcher.close();
    },
  };
}
