import { afterEach, describe, expect, it } from 'vitest';
import { runAuditCli } from '../../src/audit/cli.js';
import { DEFAULT_ACTOR, DEFAULT_CHANNEL } from '../../src/local/slack-standin/payloads.js';
import { captureStream } from '../audit/cli-io.js';
import { acceptedPosts, messagesWithKey, outboxKeyOf } from '../support/outbox-e2e.js';
import { eventually, type ProcessStack, startProcessStack } from '../support/process-stack.js';
import { scrapeMetrics } from '../support/prometheus-text.js';

const AUDIT_CHANNEL = 'C0AUDITLOG8';
const GONE = { id: 'C0GONE', name: 'gone' };

let stack: ProcessStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** A fresh editing order in the sandbox, so that each cancel has its own. */
function newOrder(s: ProcessStack, orderNo: string): string {
  const template = [...s.wdt.orders.values()][0]!;
  s.wdt.orders.set(orderNo, { ...structuredClone(template), stockinNo: orderNo, status: 20 });
  return orderNo;
}

describe('a channel the bot was removed from (real process)', () => {
  it('gives that message up, records it, tells the audit channel and the requester; nothing else stops', async () => {
    stack = await startProcessStack({ AUDIT_CHANNEL_ID: AUDIT_CHANNEL });
    const s = stack;
    s.slack.channelErrors.set(GONE.id, 'not_in_channel');
    const bot = await s.spawn();

    const lost = newOrder(s, 'RK2006039901');
    await bot.driver.command(lost, DEFAULT_ACTOR, GONE);
    await bot.driver.submit(await bot.driver.openedView(), 'channel gone');
    await eventually(() => s.wdt.orders.get(lost)?.status === 10, 20_000);

    const notice = await s.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.args.channel === AUDIT_CHANNEL &&
        String(c.args.text).includes('given up') &&
        c.fault === undefined,
      { timeoutMs: 20_000 },
    );
    expect(String(notice.args.text)).toContain('<#C0GONE>');
    expect(String(notice.args.text)).toContain('not_in_channel');
    expect(String(notice.args.text)).toContain(lost);
    const dm = await s.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' && String(c.args.channel).startsWith('D') && c.fault === undefined,
      { timeoutMs: 10_000 },
    );
    expect(String(dm.args.text)).toContain('could not post the outcome in <#C0GONE> (not_in_channel)');
    expect(JSON.parse(await bot.waitForLine(/outbox message given up/))).toMatchObject({
      level: 50,
      channelId: GONE.id,
      reason: 'not_in_channel',
    });
    // Tried once: a channel gone is not tried again.
    const toGone = s.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === GONE.id);
    expect(
      toGone.filter((c) => /^outcome:.+:cancelled$/.test(outboxKeyOf(c.args.metadata) ?? '')),
    ).toHaveLength(1);

    // Recorded: the CLI lists it.
    const stdout = captureStream();
    const code = await runAuditCli(['outbox', '--given-up', '--db', s.auditDbPath], {
      env: {},
      stdout: stdout.stream,
      stderr: captureStream().stream,
    });
    expect(code).toBe(0);
    expect(stdout.text()).toMatch(
      /given_up\s+outcome\/post\s+RK2006039901 cancelled\s+C0GONE\s.*not_in_channel/,
    );

    // Nothing else stops: the next cancel, elsewhere, reaches its channel and its audit copy.
    const other = newOrder(s, 'RK2006039902');
    await bot.driver.command(other);
    await bot.driver.submit(await bot.driver.openedView(), 'elsewhere');
    await eventually(() => messagesWithKey(s.slack, /^outcome:.+:cancelled$/).length === 1, 20_000);
    expect(messagesWithKey(s.slack, /^outcome:.+:cancelled$/)[0]!.channel).toBe(DEFAULT_CHANNEL.id);
    await eventually(() => acceptedPosts(s.slack, /^audit-outcome:.+:cancelled$/).length === 2, 20_000);

    const samples = await scrapeMetrics(`http://127.0.0.1:${bot.port}`);
    expect(samples.get('cancel_stockin_outbox_given_up_total{reason="not_in_channel"}')).toBe(1);
    await eventually(
      async () =>
        (await scrapeMetrics(`http://127.0.0.1:${bot.port}`)).get('cancel_stockin_outbox_given_up') === 1,
      15_000,
    );
  }, 90_000);
});
