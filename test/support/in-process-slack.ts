import type { Timers } from '../../src/core/ports/timers.js';
import { channelPostLimiter } from '../../src/local/slack-standin/channel-post-limit.js';
import type { StoredMessage } from '../../src/local/slack-standin/message-history.js';
import { SlackWorkspace } from '../../src/local/slack-standin/workspace.js';
import { SlackApiError, type SlackApiPoster } from '../../src/slack/api-poster.js';
import { OUTBOX_EVENT_TYPE } from '../../src/slack/outbox/posted-lookup.js';

/**
 * What one call to Slack does. `ok`: Slack answers. `lost`: Slack acts on it but the answer never arrives (a
 * timeout). `hang`: no answer, nothing done, until `releaseHung()`. `delayMs`: Slack acts on it that long
 * later (on the test's timers), then answers. The others answer with that failure and do nothing.
 */
type SlackOutcome =
  | 'ok'
  | 'lost'
  | 'hang'
  | { delayMs: number }
  | { http: number; retryAfterSec?: number }
  | { error: string }
  | { network: string };

interface InProcessCall {
  method: string;
  args: Record<string, unknown>;
  /** performance time of the test's timers. */
  at: number;
  outcome: SlackOutcome | { refused: string } | { limited: number };
}

/**
 * The stand-in's Slack workspace behind a SlackApiPoster, without HTTP: what the outbox worker's unit tests
 * deliver to. Each call is recorded; a test scripts failures per method (or `*`), lets Slack be down until a
 * time, removes the bot from channels, and turns on the per-channel post limit.
 */
export function inProcessSlack(options: { timers: Timers; wall: () => number }) {
  const { timers } = options;
  const workspace = new SlackWorkspace({
    issueSocketUrl: () => {
      throw new Error('no Socket Mode in process');
    },
    now: options.wall,
  });
  const calls: InProcessCall[] = [];
  const scripts = new Map<string, SlackOutcome[]>();
  const channelErrors = new Map<string, string>();
  const postLimit = channelPostLimiter(() => timers.now());
  let down: { until: number; outcome: SlackOutcome; methods: readonly string[] | null } | null = null;
  const hung: (() => void)[] = [];

  function outcomeOf(method: string): SlackOutcome {
    const scripted = scripts.get(method)?.shift() ?? scripts.get('*')?.shift();
    if (scripted) return scripted;
    if (down && timers.now() < down.until && (down.methods === null || down.methods.includes(method)))
      return down.outcome;
    return 'ok';
  }

  function act(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const answer = workspace.call(method, args);
    if (!answer.ok) throw new SlackApiError(method, String(answer.error));
    return answer;
  }

  const poster: SlackApiPoster = {
    async post(method, body) {
      const args = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
      const channel = typeof args.channel === 'string' ? args.channel : undefined;
      const outcome = outcomeOf(method);
      const reaches =
        outcome === 'ok' || outcome === 'lost' || (typeof outcome === 'object' && 'delayMs' in outcome);
      const refused = channel === undefined || !reaches ? undefined : channelErrors.get(channel);
      const limited =
        method === 'chat.postMessage' && channel && reaches && refused === undefined
          ? postLimit.take(channel)
          : null;
      const call: InProcessCall = {
        method,
        args,
        at: timers.now(),
        outcome: refused !== undefined ? { refused } : limited !== null ? { limited } : outcome,
      };
      calls.push(call);
      if (typeof outcome === 'object' && 'http' in outcome) {
        const code = outcome.http === 429 ? 'ratelimited' : `http_${outcome.http}`;
        throw new SlackApiError(method, code, true, outcome.http, outcome.retryAfterSec);
      }
      if (typeof outcome === 'object' && 'network' in outcome)
        throw new SlackApiError(method, outcome.network, true);
      if (typeof outcome === 'object' && 'error' in outcome) throw new SlackApiError(method, outcome.error);
      if (outcome === 'hang') {
        await new Promise<void>((resolve) => hung.push(resolve));
        throw new SlackApiError(method, 'UND_ERR_HEADERS_TIMEOUT', true);
      }
      if (typeof outcome === 'object' && 'delayMs' in outcome) await timers.sleep(outcome.delayMs);
      if (refused !== undefined) throw new SlackApiError(method, refused);
      if (limited !== null) throw new SlackApiError(method, 'ratelimited', true, 429, limited);
      const answer = act(method, args);
      if (outcome === 'lost') throw new SlackApiError(method, 'UND_ERR_HEADERS_TIMEOUT', true);
      return answer;
    },
    async close() {},
  };

  return {
    poster,
    workspace,
    calls,
    channelErrors,
    postLimit,
    /** The next calls of `method` (or of any method, `*`) do these, in order. */
    script(method: string, ...outcomes: SlackOutcome[]): void {
      scripts.set(method, [...(scripts.get(method) ?? []), ...outcomes]);
    },
    /** Every call (of `methods`, or all) does `outcome` until the test's timers reach `until`. */
    downUntil(until: number, outcome: SlackOutcome, methods: readonly string[] | null = null): void {
      down = { until, outcome, methods };
    },
    releaseHung(): void {
      for (const release of hung.splice(0)) release();
    },
    callsTo: (method: string) => calls.filter((call) => call.method === method),
    /** The calls Slack acted on: answered, or done with the answer lost. */
    accepted: (method: string) =>
      calls.filter((call) => call.method === method && ['ok', 'lost'].includes(String(call.outcome))),
    /** Messages in a channel, oldest first. */
    messagesIn: (channel: string): StoredMessage[] =>
      [...workspace.messages.values()].filter((message) => message.channel === channel),
    /** The messages that carry an outbox key, by key. */
    postsWithKey(key: string): StoredMessage[] {
      return [...workspace.messages.values()].filter((message) => {
        const metadata = message.metadata as
          | { event_type?: string; event_payload?: { key?: string } }
          | undefined;
        return metadata?.event_type === OUTBOX_EVENT_TYPE && metadata.event_payload?.key === key;
      });
    },
  };
}

export type InProcessSlack = ReturnType<typeof inProcessSlack>;
