import { expect } from 'vitest';
import type { AttemptState } from '../../src/core/ports/audit.js';
import { DEFAULT_CHANNEL } from '../../src/local/slack-standin/payloads.js';
import type { RecordedCall, SlackStandin } from '../../src/local/slack-standin/web-api.js';
import { en } from '../../src/slack/texts/en.js';

const POSTING = new Set(['chat.postMessage', 'chat.update']);

/** Whether `call` posted or rewrote a message in `channel` about `orderNo`. */
export function isPostAbout(call: RecordedCall, orderNo: string, channel = DEFAULT_CHANNEL.id): boolean {
  return (
    POSTING.has(call.method) && call.args.channel === channel && JSON.stringify(call.args).includes(orderNo)
  );
}

/** Whether `call` is a message about `orderNo` whose headline is `headline` ("Cancelled: RK…"). */
export function isHeadline(call: RecordedCall, orderNo: string, headline: string): boolean {
  return isPostAbout(call, orderNo) && JSON.stringify(call.args).includes(`${headline}: ${orderNo}`);
}

/** Waits for the bot's message about `orderNo` with `headline`, posted after `fromIndex`. */
export function waitForHeadline(
  slack: SlackStandin,
  orderNo: string,
  headline: string,
  options: { timeoutMs?: number; fromIndex?: number } = {},
): Promise<RecordedCall> {
  return slack.waitFor((call) => isHeadline(call, orderNo, headline), { timeoutMs: 10_000, ...options });
}

/**
 * The state each message the channel got about `orderNo` announced, by its English headline, in the order
 * the messages were posted or rewritten; null for a message with no state's headline.
 */
export function statesAnnounced(slack: SlackStandin, orderNo: string): (AttemptState | null)[] {
  const headlines = Object.entries(en.stateHeadline) as [AttemptState, string][];
  return slack.calls
    .filter((call) => isPostAbout(call, orderNo))
    .map((call) => headlines.find(([, headline]) => isHeadline(call, orderNo, headline))?.[0] ?? null);
}

/**
 * Waits for the bot's message about `orderNo` with `headline`, prints how long after `since` (epoch ms: a
 * kill, a lease's end) it came, and checks that it came within `withinMs`.
 */
export async function expectHeadlineWithin(
  slack: SlackStandin,
  orderNo: string,
  headline: string,
  since: { at: number; what: string },
  withinMs: number,
): Promise<RecordedCall> {
  const call = await waitForHeadline(slack, orderNo, headline, {
    timeoutMs: Math.max(0, since.at + withinMs - Date.now()) + 10_000,
  });
  const tookMs = call.at.getTime() - since.at;
  console.info(`${since.what} → "${headline}": ${tookMs} ms`);
  expect(tookMs).toBeLessThan(withinMs);
  return call;
}
