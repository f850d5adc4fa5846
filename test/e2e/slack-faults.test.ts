import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import type { AuditEntry } from '../../src/core/ports/audit.js';
import { type LocalStack, startLocalStack } from '../../src/local/demo/local-stack.js';
import { commandCounts, watchCommandCounts } from '../support/command-counts.js';
import { eventually } from '../support/process-stack.js';

const ORDER = 'RK2006030008';
const CANCEL = 'wms.stockin.Purchase.cancel';

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function history(s: LocalStack): Promise<AuditEntry[]> {
  const store = openSqliteAuditStore({ path: s.auditDbPath });
  try {
    return await store.orderHistory(ORDER);
  } finally {
    await store.close();
  }
}

describe('Slack failing around a cancel', () => {
  it.each([
    { fault: { error: 'expired_trigger_id' }, code: 'expired_trigger_id' },
    { fault: { httpStatus: 500 }, code: 'http_500' },
  ])(
    'views.open failing with $code: the requester is told, nothing is cancelled, the attempt is closed',
    async ({ fault }) => {
      stack = await startLocalStack();
      const s = stack;
      s.slack.faults.set('views.open', fault);
      const commands = await watchCommandCounts(s.url);
      await s.command(ORDER);
      const reply = await s.slack.waitFor('response_url', { timeoutMs: 10_000 });
      expect(reply.args).toMatchObject({ response_type: 'ephemeral' });
      expect(String(reply.args.text)).toContain('could not open the confirmation dialog');
      expect(await commands.moved()).toEqual(commandCounts({ failed: 1 }));
      expect(s.wdt.calls.filter((c) => c.method === CANCEL)).toHaveLength(0);
      const events = await eventually(async () => {
        const seen = (await history(s)).map((e) => e.event);
        return seen.length === 2 && seen;
      });
      expect(events).toEqual(['requested', 'failed']);
    },
    20_000,
  );

  it('honours Retry-After on a 429 from chat.postMessage and still posts in the channel', async () => {
    stack = await startLocalStack();
    const s = stack;
    s.slack.faults.set('chat.postMessage', { httpStatus: 429, retryAfterSec: 1, times: 1 });
    await s.command(ORDER);
    await s.submit(await s.openedView(), 'rate limited by Slack');
    const posted = await eventually(() =>
      s.slack
        .callsTo('chat.postMessage')
        .find((c) => c.fault === undefined && c.args.channel === 'C0STOCKOPS'),
    );
    const [limited] = s.slack.callsTo('chat.postMessage');
    expect(posted.atMs - limited!.atMs).toBeGreaterThanOrEqual(950);
    const last = await eventually(async () => (await history(s)).find((e) => e.event === 'notified'));
    expect(last.record).toMatchObject({ notifiedVia: 'channel', state: 'cancelled' });
  }, 20_000);

  it.each([
    {
      name: 'not_in_channel',
      fault: { error: 'not_in_channel', times: 1 },
      ephemeralFault: { error: 'not_in_channel' },
      via: 'dm',
    },
    {
      name: 'channel_not_found',
      fault: { error: 'channel_not_found', times: 1 },
      ephemeralFault: undefined,
      via: 'ephemeral',
    },
  ])(
    'chat.postMessage failing with $name (the bot is out of that channel): the requester learns the outcome privately, the audit keeps the truth',
    async ({ fault, ephemeralFault, via }) => {
      stack = await startLocalStack();
      const s = stack;
      s.slack.faults.set('chat.postMessage', fault);
      if (ephemeralFault) s.slack.faults.set('chat.postEphemeral', ephemeralFault);
      await s.command(ORDER);
      await s.submit(await s.openedView(), 'Slack trouble');

      const notified = await eventually(
        async () => (await history(s)).find((e) => e.event === 'notified'),
        15_000,
      );
      expect(notified.record).toMatchObject({ state: 'cancelled', notifiedVia: via, slackTs: null });
      expect(s.wdt.orders.get(ORDER)?.status).toBe(10);
      const privateNote =
        via === 'dm'
          ? s.slack
              .callsTo('chat.postMessage')
              .find((c) => String(c.args.channel).startsWith('D') && c.fault === undefined)
          : s.slack.callsTo('chat.postEphemeral').find((c) => c.fault === undefined);
      expect(String(privateNote?.args.text)).toContain('could not post the outcome');
      expect(String(privateNote?.args.text)).toContain(ORDER);
    },
    20_000,
  );

  it('chat.postMessage failing with HTTP 503 three times: the outcome still reaches the channel, once', async () => {
    stack = await startLocalStack();
    const s = stack;
    s.slack.faults.set('chat.postMessage', { httpStatus: 503, times: 3 });
    await s.command(ORDER);
    await s.submit(await s.openedView(), 'Slack trouble');
    const notified = await eventually(
      async () => (await history(s)).find((e) => e.event === 'notified'),
      20_000,
    );
    expect(notified.record).toMatchObject({
      state: 'cancelled',
      notifiedVia: 'channel',
      slackChannelId: 'C0STOCKOPS',
    });
    const posted = s.slack.callsTo('chat.postMessage').filter((c) => c.fault === undefined);
    expect(posted).toHaveLength(1);
    expect(notified.record.slackTs).toBe((posted[0]!.answer!.body as { ts?: string }).ts);
    expect(s.slack.callsTo('chat.postEphemeral')).toEqual([]);
  }, 30_000);
});
