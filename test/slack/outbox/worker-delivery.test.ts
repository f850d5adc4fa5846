import { afterEach, describe, expect, it } from 'vitest';
import type { ControlRecord } from '../../../src/core/ports/audit.js';
import { OUTBOX_EVENT_TYPE } from '../../../src/slack/outbox/posted-lookup.js';
import { zhCN } from '../../../src/slack/texts/zh-cn.js';
import { buildRecord, moved } from '../../support/audit-fixtures.js';
import { AUDIT_CHANNEL, CHANNEL, type OutboxHarness, outboxHarness } from './outbox-harness.js';

let h: OutboxHarness;
afterEach(async () => {
  await h.stopAll();
});

const cancelled = (overrides = {}) => buildRecord({ channelId: CHANNEL, state: 'requested', ...overrides });

describe('the outbox worker delivers what is owed', () => {
  it('posts an outcome once in its channel with its key in the metadata, a copy in the audit channel, and records where it went', async () => {
    h = outboxHarness();
    // Only the final change owes the outcome here (the core decides which changes owe one).
    const calling = await h.oweThrough(cancelled(), ['confirmed', 'calling'], false);
    const record = await h.owe(moved(calling, 'cancelled'), 'calling');
    h.worker().start();
    await h.time.advance(3_000);

    const key = `outcome:${record.attemptId}:cancelled`;
    expect(await h.rows(['pending'])).toEqual([]);
    const [posted] = h.slack.messagesIn(CHANNEL);
    expect(h.slack.messagesIn(CHANNEL)).toHaveLength(1);
    expect(posted!.metadata).toEqual({
      event_type: OUTBOX_EVENT_TYPE,
      event_payload: { key, slot: `outcome:${record.attemptId}` },
    });
    expect(String(posted!.text)).toContain(record.orderNo);
    const copies = h.slack.messagesIn(AUDIT_CHANNEL);
    expect(copies).toHaveLength(1);
    expect(String(copies[0]!.text)).toContain(record.orderNo);

    const now = await h.store.findAttempt(record.attemptId);
    expect(now).toMatchObject({ slackChannelId: CHANNEL, slackTs: posted!.ts, notifiedVia: 'channel' });
    expect(h.counted.delivered.sort()).toEqual(['outcome:posted', 'outcome:posted']);
  });

  it('answers in the thread of a message shortcut, with the chain head as the owing write left it', async () => {
    h = outboxHarness();
    const thread = { threadTs: '1714536000.000100', entryPoint: 'message_shortcut' as const };
    const calling = await h.oweThrough(cancelled(thread), ['confirmed', 'calling'], false);
    const record = await h.owe(moved(calling, 'cancelled'), 'calling');
    const head = await h.store.head();
    h.worker().start();
    await h.time.advance(3_000);
    const [posted] = h.slack.messagesIn(CHANNEL);
    expect(posted?.threadTs).toBe(thread.threadTs);
    expect(String(posted?.text)).toContain(record.orderNo);
    // Delivery writes `notified` entries after it; the footer shows the head the cancel was recorded at.
    expect((await h.store.head())!.seq).toBeGreaterThan(head!.seq);
    expect(JSON.stringify(posted?.blocks)).toContain(head!.hash);
  });

  it('settles the audit copies without posting when no audit channel is configured', async () => {
    h = outboxHarness();
    const record = await h.oweThrough(cancelled(), ['confirmed', 'calling', 'cancelled']);
    h.worker({ auditChannelId: undefined }).start();
    await h.time.advance(3_000);
    const rows = await h.rows();
    expect(rows.filter((row) => row.state === 'pending')).toEqual([]);
    const auditCopies = rows.filter((row) => row.item.channelId === null);
    expect(auditCopies.length).toBeGreaterThan(0);
    expect(auditCopies.every((row) => row.state === 'delivered' && row.deliveredTs === null)).toBe(true);
    expect(h.slack.callsTo('chat.postMessage').every((call) => call.args.channel === CHANNEL)).toBe(true);
    expect(h.slack.postsWithKey(`outcome:${record.attemptId}:cancelled`)).toHaveLength(1);
  });

  it('never copies to the audit channel what was posted in the audit channel itself', async () => {
    h = outboxHarness();
    await h.oweThrough(cancelled({ channelId: AUDIT_CHANNEL }), ['confirmed', 'calling', 'cancelled']);
    h.worker().start();
    await h.time.advance(3_000);
    const finals = h.slack.messagesIn(AUDIT_CHANNEL).filter((m) => String(m.text).includes('Cancelled'));
    expect(finals).toHaveLength(1);
  });

  it.each([
    { texts: undefined, expected: 'paused every cancel' },
    { texts: zhCN, expected: '暂停了所有取消' },
  ])(
    'announces a pause in the audit channel in the bot language ($expected)',
    async ({ texts, expected }) => {
      h = outboxHarness();
      const control: ControlRecord = {
        ...buildRecord({
          channelId: CHANNEL,
          requesterId: 'U0OPS',
          reason: 'WDT maintenance',
          orderNo: null,
        }),
        state: 'paused',
        stateTimes: { paused: h.time.clock.now().toISOString() },
      };
      await h.oweControl(control);
      h.worker(texts ? { texts } : {}).start();
      await h.time.advance(2_000);
      const [notice] = h.slack.messagesIn(AUDIT_CHANNEL);
      expect(notice?.text).toContain(expected);
      expect(notice?.text).toContain('<@U0OPS>');
      expect(notice?.text).toContain('WDT maintenance');
    },
  );
});
