import { setTimeout as sleep } from 'node:timers/promises';
import type { SlackStandin } from '../../src/local/slack-standin/web-api.js';
import { type LatencySummary, summarize } from './stats.js';

/**
 * Commands sent in a run's first 500 ms are its burst: after a quiet spell the admission bucket lets its whole
 * burst in at once there. The rest are the steady state.
 */
export const BURST_WINDOW_MS = 500;

export interface ViewsOpenDelays {
  /** Command handed to undici → its views.open arriving at the stand-in, one per admitted command. */
  delaysMs: number[];
  /** When each of `delaysMs`' commands was sent, on the same clock. */
  sentAtMs: number[];
  /** Admitted commands whose views.open never came. */
  missing: number;
  /** views.open calls the stand-in answered with `ok: false`. */
  failed: number;
}

/** One run's views.open delays: all, the burst (sent in the first `BURST_WINDOW_MS`) and the steady rest. */
export interface ViewsOpenRun {
  all: LatencySummary;
  burst: LatencySummary;
  steady: LatencySummary;
  missing: number;
  failed: number;
}

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
): Promise<ViewsOpenDelays> {
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

/** Splits a run's delays at `BURST_WINDOW_MS` after `runStartMs` (when its first command was sent). */
export function splitBurst(
  views: Pick<ViewsOpenDelays, 'delaysMs' | 'sentAtMs'>,
  runStartMs: number,
): { burst: number[]; steady: number[] } {
  const burst: number[] = [];
  const steady: number[] = [];
  views.delaysMs.forEach((delay, index) => {
    (views.sentAtMs[index]! - runStartMs < BURST_WINDOW_MS ? burst : steady).push(delay);
  });
  return { burst, steady };
}

export function summarizeViewsOpen(views: ViewsOpenDelays, runStartMs: number): ViewsOpenRun {
  const { burst, steady } = splitBurst(views, runStartMs);
  return {
    all: summarize(views.delaysMs),
    burst: summarize(burst),
    steady: summarize(steady),
    missing: views.missing,
    failed: views.failed,
  };
}
