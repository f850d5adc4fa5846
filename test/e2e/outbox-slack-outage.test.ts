import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import { DEFAULT_CHANNEL } from '../../src/local/slack-standin/payloads.js';
import type { SlackFault } from '../../src/local/slack-standin/web-api.js';
import { acceptedPosts, messagesWithKey, refusedPosts, slackOutage } from '../support/outbox-e2e.js';
import {
  type BotProcess,
  eventually,
  type ProcessStack,
  startProcessStack,
} from '../support/process-stack.js';

const ORDER = 'RK2006030008';
const AUDIT_CHANNEL = 'C0AUDITLOG9';
const OUTAGE_MS = 60_000;
const OUTCOME = /^outcome:.+:cancelled$/;
const AUDIT_COPY = /^audit-outcome:.+:cancelled$/;

let stack: ProcessStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function lastRecord(s: ProcessStack) {
  const store = openSqliteAuditStore({ path: s.auditDbPath });
  try {
    return (await store.orderHistory(ORDER)).at(-1)?.record;
  } finally {
    await store.close();
  }
}

/** A cancel confirmed right as Slack starts failing: resolves once WDT cancelled it and the bot tried to post. */
async function cancelIntoOutage(s: ProcessStack, bot: BotProcess, fault: SlackFault) {
  await bot.driver.command(ORDER);
  const view = await bot.driver.openedView();
  const outage = slackOutage(s.slack, { ...fault, forMs: OUTAGE_MS });
  await bot.driver.submit(view, 'Slack outage');
  await eventually(() => s.wdt.orders.get(ORDER)?.status === 10, 20_000);
  await eventually(() => refusedPosts(s.slack, DEFAULT_CHANNEL.id).length >= 1, 20_000);
  return outage;
}

describe('Slack failing for a minute right after a cancel (real processes, SQLite)', () => {
  it.each([
    { name: 'HTTP 503', fault: { httpStatus: 503 }, restart: false },
    { name: 'HTTP 503', fault: { httpStatus: 503 }, restart: true },
    { name: '429 with Retry-After: 2', fault: { httpStatus: 429, retryAfterSec: 2 }, restart: false },
    { name: '429 with Retry-After: 2', fault: { httpStatus: 429, retryAfterSec: 2 }, restart: true },
  ])(
    '$name, kill -9 and restart meanwhile: $restart → the outcome reaches its channel exactly once within a minute of healing',
    async ({ fault, restart }) => {
      stack = await startProcessStack({ AUDIT_CHANNEL_ID: AUDIT_CHANNEL });
      const s = stack;
      const first = await s.spawn();
      const { healsAt } = await cancelIntoOutage(s, first, fault);
      expect((await lastRecord(s))?.state).toBe('cancelled');

      if (restart) {
        first.child.kill('SIGKILL');
        expect((await first.exited).signal).toBe('SIGKILL');
        await s.spawn();
      }
      // Still failing: nothing has reached the channel, and the bot keeps trying (posting, or first looking
      // for an earlier post when a try may have reached Slack).
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, healsAt - Date.now() - 5_000)));
      expect(messagesWithKey(s.slack, OUTCOME)).toEqual([]);
      const tries = s.slack.calls.filter(
        (c) => c.fault !== undefined && c.args.channel === DEFAULT_CHANNEL.id,
      );
      expect(tries.length).toBeGreaterThanOrEqual(3);
      if (fault.httpStatus === 429) {
        // Retry-After honoured: no call in the channel comes sooner than Slack asked.
        const gaps = tries.slice(1).map((call, i) => call.atMs - tries[i]!.atMs);
        expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1_900);
      }

      const delivered = await eventually(() => acceptedPosts(s.slack, OUTCOME)[0], OUTAGE_MS + 70_000);
      const afterHealingMs = delivered.at.getTime() - healsAt;
      console.info(
        `${fault.httpStatus}${restart ? ' + kill -9' : ''}: outcome posted ${afterHealingMs} ms after Slack healed`,
      );
      expect(afterHealingMs).toBeGreaterThanOrEqual(0);
      expect(afterHealingMs).toBeLessThan(60_000);
      expect(delivered.args.channel).toBe(DEFAULT_CHANNEL.id);

      // Once: nothing more comes, in the channel or as a second copy in the audit channel.
      await eventually(() => acceptedPosts(s.slack, AUDIT_COPY).length === 1, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect(messagesWithKey(s.slack, OUTCOME)).toHaveLength(1);
      expect(acceptedPosts(s.slack, OUTCOME)).toHaveLength(1);
      expect(messagesWithKey(s.slack, AUDIT_COPY)).toHaveLength(1);
      expect(messagesWithKey(s.slack, AUDIT_COPY)[0]!.channel).toBe(AUDIT_CHANNEL);
      expect(await lastRecord(s)).toMatchObject({
        state: 'cancelled',
        notifiedVia: 'channel',
        slackChannelId: DEFAULT_CHANNEL.id,
        slackTs: messagesWithKey(s.slack, OUTCOME)[0]!.ts,
      });
    },
    OUTAGE_MS * 3,
  );
});
