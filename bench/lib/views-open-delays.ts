import { setTimeout as sleep } from 'node:timers/promises';
import type { SlackStandin } from '../../src/local/slack-standin/web-api.js';

/**
 * Waits until the stand-in has seen a `views.open` for each sent trigger id (or the wait runs out), then
 * gives each one's delay: request handed to undici → views.open arriving (both on this thread's clock),
 * and, at the same index, when that command was sent.
 */
export async function viewsOpenDelays(
  slack: SlackStandin,
  fromCallIndex: number,
  sentAt: ReadonlyMap<string, number>,
  expected: number,
  timeoutMs = 10_000,
): Promise<{ delaysMs: number[]; sentAtMs: number[]; missing: number; failed: number }> {
  const deadline = Date.now() + timeoutMs;
  let delaysMs: number[] = [];
  let sentAtMs: number[] = [];
  let failed = 0;
  let next = fromCallIndex;
  for (;;) {
    for (; next < slack.calls.length; next++) {
      const call = slack.calls[next]!;
      if (call.method !== 'views.open') continue;
      const sent = sentAt.get(String(call.args.trigger_id));
      if (sent === undefined) continue;
      delaysMs.push(call.atMs - sent);
      sentAtMs.push(sent);
      const body = call.answer?.body as { ok?: boolean } | undefined;
      if (body !== undefined && body.ok !== true) failed++;
    }
    if (delaysMs.length >= expected || Date.now() > deadline) break;
    await sleep(20);
  }
  delaysMs = delaysMs.slice(0, expected);
  sentAtMs = sentAtMs.slice(0, expected);
  return { delaysMs, sentAtMs, missing: Math.max(0, expected - delaysMs.length), failed };
}
