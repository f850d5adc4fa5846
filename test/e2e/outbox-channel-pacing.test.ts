import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHANNEL } from '../../src/local/slack-standin/payloads.js';
import { acceptedPosts, messagesWithKey, outboxKeyOf } from '../support/outbox-e2e.js';
import { eventually, type ProcessStack, startProcessStack } from '../support/process-stack.js';

const AUDIT_CHANNEL = 'C0AUDITLOG7';
/** Slack's own limit in a channel: about one post a second, a short burst allowed. */
const LIMIT = { perSecond: 1, burst: 3 };

let stack: ProcessStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** `count` fresh editing orders in the sandbox. */
function newOrders(s: ProcessStack, count: number, from: number): string[] {
  const template = [...s.wdt.orders.values()][0]!;
  return Array.from({ length: count }, (_, i) => {
    const orderNo = `RK20060${from + i}`;
    s.wdt.orders.set(orderNo, { ...structuredClone(template), stockinNo: orderNo, status: 20 });
    return orderNo;
  });
}

const limitedIn = (s: ProcessStack, channel: string) =>
  s.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.fault?.httpStatus === 429 && c.args.channel === channel);

describe('twenty in one channel under Slack’s per-channel limit (real process)', () => {
  it('a batch of 20: its one message ends with every line, and its audit copy arrives once', async () => {
    stack = await startProcessStack({ AUDIT_CHANNEL_ID: AUDIT_CHANNEL, MAX_BATCH: '20' });
    const s = stack;
    s.slack.postLimit.set(LIMIT);
    const bot = await s.spawn();
    const orders = newOrders(s, 20, 39_700);
    await bot.driver.command(orders.join(' '));
    await bot.driver.submit(await bot.driver.openedView(), 'twenty at once');
    await eventually(() => orders.every((order) => s.wdt.orders.get(order)?.status === 10), 60_000);

    const batch = await eventually(() => {
      const [message] = messagesWithKey(s.slack, /^batch:/);
      return message && JSON.stringify(message.blocks).includes('20 × Cancelled') && message;
    }, 60_000);
    for (const order of orders) expect(JSON.stringify(batch.blocks)).toContain(order);
    expect(messagesWithKey(s.slack, /^batch:/)).toHaveLength(1);
    await eventually(() => acceptedPosts(s.slack, /^audit-batch:/).length === 1, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(messagesWithKey(s.slack, /^audit-batch:/)).toHaveLength(1);
    expect(limitedIn(s, DEFAULT_CHANNEL.id)).toEqual([]);
  }, 150_000);

  it('20 cancels one after another: 20 outcomes in the channel and 20 copies, each once, none rate-limited away', async () => {
    // Twenty commands inside a few seconds, faster than people type: admission is not what this is about.
    stack = await startProcessStack({ AUDIT_CHANNEL_ID: AUDIT_CHANNEL, COMMAND_BURST: '40' });
    const s = stack;
    s.slack.postLimit.set(LIMIT);
    const bot = await s.spawn();
    const orders = newOrders(s, 20, 39_800);
    for (const order of orders) {
      await bot.driver.command(order);
      await bot.driver.submit(await bot.driver.openedView(), 'one by one');
    }
    await eventually(() => orders.every((order) => s.wdt.orders.get(order)?.status === 10), 60_000);
    await eventually(() => messagesWithKey(s.slack, /^outcome:.+:cancelled$/).length === 20, 60_000);
    await eventually(() => messagesWithKey(s.slack, /^audit-outcome:.+:cancelled$/).length === 20, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const outcomes = messagesWithKey(s.slack, /^outcome:.+:cancelled$/);
    expect(new Set(outcomes.map((m) => outboxKeyOf(m.metadata))).size).toBe(20);
    for (const order of orders)
      expect(outcomes.filter((m) => String(m.text).includes(order))).toHaveLength(1);
    // Paced under the limit: at most the odd 429 (a burst of other posts), never silence.
    expect(limitedIn(s, DEFAULT_CHANNEL.id).length).toBeLessThanOrEqual(1);
    expect(limitedIn(s, AUDIT_CHANNEL).length).toBeLessThanOrEqual(1);
  }, 180_000);
});
