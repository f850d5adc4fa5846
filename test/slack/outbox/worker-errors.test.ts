import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT_CHANNEL, CHANNEL, type OutboxHarness, outboxHarness, outcomeKey } from './outbox-harness.js';

let h: OutboxHarness;
afterEach(async () => {
  await h.stopAll();
});

const oweOnePost = (channelId = CHANNEL) => h.oweAwaitingVerdict(channelId);

const postsTo = (channel: string) =>
  h.slack.callsTo('chat.postMessage').filter((call) => call.args.channel === channel);

describe('Slack failing: the outbox waits as asked and backs off', () => {
  it('honours Retry-After on a 429: nothing is tried before it, the post goes out right after', async () => {
    h = outboxHarness();
    h.slack.script('chat.postMessage', { http: 429, retryAfterSec: 5 });
    const record = await oweOnePost();
    h.worker().start();
    await h.time.advance(4_900);
    expect(postsTo(CHANNEL)).toHaveLength(1);
    expect((await h.rows(['pending']))[0]).toMatchObject({ lastError: 'ratelimited', tries: 1 });
    await h.time.advance(1_000);
    const [limited, posted] = postsTo(CHANNEL);
    expect(posted!.at - limited!.at).toBeGreaterThanOrEqual(5_000);
    expect(posted!.at - limited!.at).toBeLessThan(5_600);
    expect(h.slack.postsWithKey(outcomeKey(record))).toHaveLength(1);
    // A 429 posts nothing: no need to look for an earlier post.
    expect(h.slack.callsTo('conversations.history')).toHaveLength(0);
  });

  it('backs off on 5xx from 1 s doubling to 30 s, looks for an earlier post before each retry, and posts once', async () => {
    h = outboxHarness();
    h.slack.script('chat.postMessage', ...Array.from({ length: 7 }, () => ({ http: 503 })));
    const record = await oweOnePost();
    h.worker().start();
    await h.time.advance(120_000);
    const tries = postsTo(CHANNEL);
    expect(tries).toHaveLength(8);
    const gaps = tries.slice(1).map((call, i) => call.at - tries[i]!.at);
    // random() = 1: each wait is its ceiling; each next try comes with the next claim pass (every 500 ms).
    [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000].forEach((wait, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(wait);
      expect(gaps[i]).toBeLessThan(wait + 600);
    });
    // A 503 may have posted: every retry looked first.
    expect(h.slack.callsTo('conversations.history')).toHaveLength(7);
    expect(h.slack.postsWithKey(outcomeKey(record))).toHaveLength(1);
    expect(h.log.text()).toContain('"slackError":"http_503"');
  });

  it('needs no lookup after a connection that was never made', async () => {
    h = outboxHarness();
    h.slack.script('chat.postMessage', { network: 'ECONNREFUSED' }, { network: 'ECONNREFUSED' });
    await oweOnePost();
    h.worker().start();
    await h.time.advance(10_000);
    expect(postsTo(CHANNEL)).toHaveLength(3);
    expect(h.slack.callsTo('conversations.history')).toHaveLength(0);
  });
});

describe('errors that cannot heal give the message up; nothing else stops', () => {
  it.each(['channel_not_found', 'not_in_channel', 'is_archived'])(
    '%s: given up and recorded, the requester told privately, the audit channel told, other messages delivered',
    async (code) => {
      h = outboxHarness();
      h.slack.channelErrors.set('C0GONE', code);
      const lost = await oweOnePost('C0GONE');
      const other = await oweOnePost(CHANNEL);
      h.worker().start();
      await h.time.advance(5_000);

      const rows = await h.rows();
      const given = rows.find((row) => row.item.key === outcomeKey(lost));
      expect(given).toMatchObject({ state: 'given_up', lastError: code, tries: 1 });
      expect(rows.find((row) => row.item.key.startsWith(`outcome:${other.attemptId}`))?.state).toBe(
        'delivered',
      );
      expect(h.counted.gaveUp).toEqual([code]);

      const failure = h.log
        .entries()
        .find((entry) => entry.msg === 'outbox message given up: Slack cannot take it in that channel');
      expect(failure).toMatchObject({ level: 50, channelId: 'C0GONE', reason: code });
      expect(h.log.text()).not.toContain(h.token);

      const notice = h.slack.messagesIn(AUDIT_CHANNEL).find((m) => String(m.text).includes('given up'));
      expect(notice?.text).toContain('<#C0GONE>');
      expect(notice?.text).toContain(code);
      expect(notice?.text).toContain(lost.orderNo);

      // The channel refuses ephemerals too: a DM, and the record says the requester learnt it there.
      const dm = h.slack
        .callsTo('chat.postMessage')
        .find((call) => String(call.args.channel).startsWith('D'));
      expect(String(dm?.args.text)).toContain('could not post the outcome in <#C0GONE>');
      expect(await h.store.findAttempt(lost.attemptId)).toMatchObject({ notifiedVia: 'dm', slackTs: null });
    },
  );

  it('gives up on invalid_auth only once auth.test confirms the token is bad', async () => {
    h = outboxHarness();
    h.slack.script('chat.postMessage', { error: 'invalid_auth' });
    const healed = await oweOnePost();
    h.worker().start();
    await h.time.advance(5_000);
    expect(h.slack.callsTo('auth.test')).toHaveLength(1);
    expect(h.slack.postsWithKey(outcomeKey(healed))).toHaveLength(1);
    expect(h.counted.gaveUp).toEqual([]);

    await h.time.advance(60_000);
    h.slack.script('chat.postMessage', { error: 'token_revoked' });
    h.slack.script('auth.test', { error: 'token_revoked' });
    const revoked = await oweOnePost();
    await h.time.advance(5_000);
    expect((await h.rows(['given_up'])).map((row) => row.item.key)).toEqual([outcomeKey(revoked)]);
    expect(h.counted.gaveUp).toEqual(['token_revoked']);
  });

  it('gives up on a message Slack refuses as built (a bug), logging it loudly', async () => {
    h = outboxHarness();
    h.slack.script('chat.postMessage', { error: 'invalid_blocks' });
    await oweOnePost();
    h.worker().start();
    await h.time.advance(3_000);
    expect(h.counted.gaveUp).toEqual(['invalid_blocks']);
    expect(h.log.entries().find((entry) => entry.bug === true)).toMatchObject({
      level: 50,
      reason: 'invalid_blocks',
    });
  });

  it('keeps trying what a person can fix (a missing scope), logging it as an error, and delivers once fixed', async () => {
    h = outboxHarness();
    h.slack.script('chat.postMessage', { error: 'missing_scope' }, { error: 'missing_scope' });
    const record = await oweOnePost();
    h.worker().start();
    await h.time.advance(10_000);
    expect(h.counted.gaveUp).toEqual([]);
    expect(
      h.log.entries().filter((entry) => entry.slackError === 'missing_scope' && entry.level === 50),
    ).toHaveLength(2);
    expect(h.slack.postsWithKey(outcomeKey(record))).toHaveLength(1);
  });
});
