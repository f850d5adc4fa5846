import { afterEach, describe, expect, it } from 'vitest';
import type { AttemptRecord, AuditStore } from '../../../src/core/ports/audit.js';
import { SlackApiError } from '../../../src/slack/api-poster.js';
import { outboxMetadata } from '../../../src/slack/outbox/posted-lookup.js';
import { moved } from '../../support/audit-fixtures.js';
import { batchOf, CHANNEL, type OutboxHarness, outboxHarness, outcomeKey } from './outbox-harness.js';

let h: OutboxHarness;
afterEach(async () => {
  await h.stopAll();
});

async function oweOnePost(): Promise<{ record: AttemptRecord; key: string }> {
  const record = await h.oweAwaitingVerdict();
  return { record, key: outcomeKey(record) };
}

/** The store as a process sees it whose confirmations take `delayMs` (a frozen or starved process). */
function slowConfirmations(delayMs: () => number) {
  return (store: AuditStore): AuditStore => ({
    ...store,
    async confirmClaim(id, by, leaseMs) {
      await h.time.timers.sleep(delayMs());
      return store.confirmClaim(id, by, leaseMs);
    },
  });
}

/**
 * The store as a frozen process sees it: after its first claim pass it claims nothing more (a process that is
 * not running takes nothing over), whatever its own deliveries still do.
 */
function frozenAfterFirstClaim() {
  return (store: AuditStore): AuditStore => {
    let passes = 0;
    return {
      ...store,
      claimDeliveries: async (claim) => (++passes === 1 ? store.claimDeliveries(claim) : []),
    };
  };
}

describe('exactly once, as far as Slack allows', () => {
  it('a post whose answer was lost is found by its key in the channel history, and not posted again', async () => {
    h = outboxHarness();
    h.slack.script('chat.postMessage', 'lost');
    const { key } = await oweOnePost();
    h.worker().start();
    // Slack may still be acting on a call it never answered: the bot waits before it looks.
    await h.time.advance(29_000);
    expect(h.slack.callsTo('conversations.history')).toHaveLength(0);
    await h.time.advance(2_000);
    const [found] = h.slack.postsWithKey(key);
    expect(h.slack.postsWithKey(key)).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(h.slack.callsTo('conversations.history')[0]?.args).toMatchObject({
      channel: CHANNEL,
      include_all_metadata: true,
    });
    expect((await h.rows(['delivered']))[0]).toMatchObject({ deliveredTs: found!.ts, tries: 2 });
    expect(h.counted.delivered).toEqual(['outcome:found']);
  });

  it('a process that died after posting and before recording it: the next claim finds the post', async () => {
    h = outboxHarness();
    const { key, record } = await oweOnePost();
    // The dead process: it claimed, confirmed and posted, then nothing.
    const [claim] = await h.store.claimDeliveries({ by: 'I0DEAD/1', limit: 1, leaseMs: 30_000 });
    expect(await h.store.confirmClaim(claim!.id, 'I0DEAD/1', 30_000)).toBe(true);
    const posted = (await h.slack.poster.post('chat.postMessage', {
      channel: CHANNEL,
      text: 'the outcome',
      metadata: outboxMetadata(claim!.item),
    })) as { ts: string };

    h.worker().start();
    await h.time.advance(29_000);
    expect(h.slack.callsTo('conversations.history')).toHaveLength(0);
    await h.time.advance(3_000);
    expect(h.slack.postsWithKey(key)).toHaveLength(1);
    expect(await h.store.findAttempt(record.attemptId)).toMatchObject({ slackTs: posted.ts });
  });

  it('a process whose claim was taken over while it waited sends nothing', async () => {
    h = outboxHarness();
    const { key } = await oweOnePost();
    let slow = true;
    h.worker({ instanceId: 'I0SLOW', audit: slowConfirmations(() => (slow ? 40_000 : 0)) }).start();
    await h.time.advance(100);
    slow = false;
    h.worker({ instanceId: 'I0OTHER' }).start();
    await h.time.advance(45_000);
    expect(h.slack.postsWithKey(key)).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(h.log.text()).toContain('taken over by another process; nothing sent');
  });

  it('a confirmation that took longer than it may is treated as lost: nothing sent, handed back, posted later once', async () => {
    h = outboxHarness();
    const { key } = await oweOnePost();
    let confirmations = 0;
    h.worker({ audit: slowConfirmations(() => (++confirmations === 1 ? 6_000 : 0)) }).start();
    await h.time.advance(5_900);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    await h.time.advance(2_000);
    expect(h.log.text()).toContain('confirmed too late to trust; nothing sent');
    expect(h.slack.postsWithKey(key)).toHaveLength(1);
    // It knows its own try sent nothing: no lookup.
    expect(h.slack.callsTo('conversations.history')).toHaveLength(0);
  });

  it('a replica that froze mid-post: another takes the message over after the lease', async () => {
    h = outboxHarness();
    h.slack.script('chat.postMessage', 'hang');
    const { key } = await oweOnePost();
    h.worker({ instanceId: 'I0HUNG', audit: frozenAfterFirstClaim() }).start();
    await h.time.advance(100);
    h.worker({ instanceId: 'I0TAKER' }).start();
    await h.time.advance(29_000);
    expect(h.slack.postsWithKey(key)).toHaveLength(0);
    await h.time.advance(2_000);
    expect(h.slack.postsWithKey(key)).toHaveLength(1);
    h.slack.releaseHung();
    await h.time.advance(5_000);
    expect(h.slack.postsWithKey(key)).toHaveLength(1);
    expect((await h.rows(['delivered'])).map((row) => row.item.key)).toEqual([key]);
  });

  it.each([
    { freezeMs: 20_000, copies: 1 },
    { freezeMs: 40_000, copies: 2 },
  ])(
    'the residual rule: a process frozen $freezeMs ms between confirming and posting leaves $copies post(s), each with the key',
    async ({ freezeMs, copies }) => {
      h = outboxHarness();
      h.slack.script('chat.postMessage', { delayMs: freezeMs });
      const { key } = await oweOnePost();
      h.worker({ instanceId: 'I0FROZEN', audit: frozenAfterFirstClaim() }).start();
      await h.time.advance(100);
      h.worker({ instanceId: 'I0OTHER' }).start();
      await h.time.advance(60_000);
      expect(h.slack.postsWithKey(key)).toHaveLength(copies);
      expect((await h.rows(['delivered'])).map((row) => row.item.key)).toEqual([key]);
    },
  );

  it('when Slack refuses the lookup (not a member, no history scope), it posts anyway and says a duplicate is possible', async () => {
    h = outboxHarness();
    h.slack.script('chat.postMessage', { http: 503 });
    h.slack.script('conversations.history', { error: 'not_in_channel' });
    const { key } = await oweOnePost();
    h.worker().start();
    await h.time.advance(5_000);
    expect(h.slack.postsWithKey(key)).toHaveLength(1);
    expect(
      h.log.entries().find((entry) => entry.why === 'conversations.history: not_in_channel'),
    ).toMatchObject({
      level: 40,
      msg: 'cannot look for an earlier post of an outbox message; posting it (a duplicate is possible)',
    });
  });

  it('when the lookup itself is rate-limited, it posts nothing until Slack allows', async () => {
    h = outboxHarness();
    h.slack.script('chat.postMessage', 'lost');
    h.slack.script('conversations.history', { http: 429, retryAfterSec: 10 });
    const { key } = await oweOnePost();
    h.worker().start();
    await h.time.advance(31_000);
    expect(h.slack.callsTo('conversations.history')).toHaveLength(1);
    await h.time.advance(8_500);
    expect(h.slack.callsTo('conversations.history')).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(1);
    await h.time.advance(2_000);
    expect(h.slack.callsTo('conversations.history')).toHaveLength(2);
    expect(h.slack.postsWithKey(key)).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('a batch message whose first post was lost and then superseded is found by its slot and edited, never posted twice', async () => {
    h = outboxHarness();
    const [one, two] = batchOf(2);
    await h.oweAll([
      { from: null, record: one! },
      { from: null, record: two! },
    ]);
    const confirmed = await h.oweAll([
      { from: 'requested', record: moved(one!, 'confirmed') },
      { from: 'requested', record: moved(two!, 'confirmed') },
    ]);
    h.slack.script('chat.postMessage', 'lost');
    h.worker().start();
    await h.time.advance(200);
    // Before its retry, the batch moves on: the undelivered message is superseded by a newer one.
    await h.oweAll([{ from: 'confirmed', record: moved(confirmed[0]!, 'calling') }]);
    await h.time.advance(3_000);
    const batchMessages = h.slack.messagesIn(CHANNEL);
    expect(batchMessages).toHaveLength(1);
    expect(batchMessages[0]!.edits).toBe(1);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect((await h.rows(['superseded'])).length).toBeGreaterThan(0);
  });
});

describe('the in-process Slack', () => {
  it('raises what the real poster raises', async () => {
    h = outboxHarness();
    h.slack.script('chat.postMessage', { http: 429, retryAfterSec: 3 });
    await expect(h.slack.poster.post('chat.postMessage', { channel: CHANNEL, text: 'x' })).rejects.toEqual(
      new SlackApiError('chat.postMessage', 'ratelimited', true, 429, 3),
    );
  });
});
