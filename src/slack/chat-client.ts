import { setTimeout as sleep } from 'node:timers/promises';
import type { KnownBlock } from '@slack/types';
import { SlackApiError, type SlackApiPoster } from './api-poster.js';

/**
 * The chat calls that report outcomes, shaped like WebClient's so Bolt's `client` fits wherever this does
 * (handlers pass it; the notifier on the confirm path uses the lighter client below).
 */
export interface SlackChat {
  chat: {
    postMessage(args: {
      channel: string;
      text: string;
      blocks?: KnownBlock[];
      unfurl_links?: boolean;
      thread_ts?: string;
    }): Promise<{ channel?: string; ts?: string }>;
    update(args: { channel: string; ts: string; text: string; blocks?: KnownBlock[] }): Promise<unknown>;
    postEphemeral(args: { channel: string; user: string; text: string }): Promise<unknown>;
  };
  conversations: {
    open(args: { users: string }): Promise<{ channel?: { id?: string } }>;
  };
}

export interface ChatRetry {
  /** Tries after the first. */
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Per try. Longer than a view's: a post that times out may still have posted, and is then tried again. */
  timeoutMs: number;
}

/** Also WebClient's settings in this app (`create-bolt-app.ts`): a post behaves the same through either. */
export const DEFAULT_CHAT_RETRY: ChatRetry = {
  retries: 2,
  minDelayMs: 250,
  maxDelayMs: 2_000,
  timeoutMs: 10_000,
};

/** One try per call: for callers that decide themselves when to try again (the outbox). */
export const ONE_TRY: ChatRetry = { ...DEFAULT_CHAT_RETRY, retries: 0 };

/**
 * SlackChat over the plain poster, with WebClient's retry rules as this app configures them: a call that got
 * no answer, a 5xx or a 429 is tried again (after Slack's `Retry-After` for a 429, else a doubling, jittered
 * delay) up to `retries` more times; an answer with `ok: false` (`not_in_channel`, …) is final.
 */
export function createSlackChatClient(
  poster: SlackApiPoster,
  retry: ChatRetry = DEFAULT_CHAT_RETRY,
): SlackChat {
  async function call(method: string, body: object): Promise<Record<string, unknown>> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await poster.post(method, body, { timeoutMs: retry.timeoutMs });
      } catch (error) {
        if (!(error instanceof SlackApiError) || !error.retryable || attempt >= retry.retries) throw error;
        const backoff = retry.minDelayMs * 2 ** attempt * (1 + Math.random());
        await sleep(
          error.retryAfterSec !== undefined
            ? error.retryAfterSec * 1000
            : Math.min(backoff, retry.maxDelayMs),
        );
      }
    }
  }

  return {
    chat: {
      postMessage: async (args) => {
        const answer = await call('chat.postMessage', args);
        return {
          ...(typeof answer.channel === 'string' ? { channel: answer.channel } : {}),
          ...(typeof answer.ts === 'string' ? { ts: answer.ts } : {}),
        };
      },
      update: (args) => call('chat.update', args),
      postEphemeral: (args) => call('chat.postEphemeral', args),
    },
    conversations: {
      open: async (args) => {
        const answer = await call('conversations.open', args);
        const channel = answer.channel as { id?: unknown } | undefined;
        return typeof channel?.id === 'string' ? { channel: { id: channel.id } } : {};
      },
    },
  };
}
