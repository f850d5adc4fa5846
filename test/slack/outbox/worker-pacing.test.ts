import { afterEach, describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../../../src/core/ports/audit.js';
import { buildRecord, moved } from '../../support/audit-fixtures.js';
import { AUDIT_CHANNEL, batchOf, CHANNEL, type OutboxHarness, outboxHarness } from './outbox-harness.js';

let h: OutboxHarness;
afterEach(async () => {
  await h.stopAll();
});

/** `count` attempts in `channelId`, each finished: each owes its outcome and a copy in the audit channel. */
async function oweFinished(count: number, channelId = CHANNEL): Promise<AttemptRecord[]> {
  const records: AttemptRecord[] = [];
  for (let i = 0; i < count; i += 1) {
    const calling = await h.oweThrough(buildRecord({ channelId }), ['confirmed', 'calling'], false);
    records.push(await h.owe(moved(calling, 'cancelled'), 'calling'));
  }
  return records;
}

const gapsOf = (times: number[]) => times.slice(1).map((at, i) => at - times[i]!);

describe('pacing: each channel at most one post a second, channels side by side', () => {
  it('posts 20 outcomes in one channel under Slack’s per-channel limit without a single 429', async () => {
    h = outboxHarness();
    h.slack.postLimit.set({ perSecond: 1, burst: 3 });
    const records = await oweFinished(20);
    h.worker().start();
    await h.time.advance(30_000);

    for (const record of records)
      expect(h.slack.postsWithKey(`outcome:${record.attemptId}:cancelled`), record.orderNo!).toHaveLength(1);
    expect(h.slack.calls.filter((call) => 'limited' in Object(call.outcome))).toEqual([]);
    const inChannel = h.slack.callsTo('chat.postMessage').filter((call) => call.args.channel === CHANNEL);
    expect(Math.min(...gapsOf(inChannel.map((call) => call.at)))).toBeGreaterThanOrEqual(1_000);
    // The audit channel's copies went out alongside, not after: its own lane.
    const copies = h.slack.callsTo('chat.postMessage').filter((call) => call.args.channel === AUDIT_CHANNEL);
    expect(copies).toHaveLength(20);
    expect(copies.at(-1)!.at).toBeLessThan(21_000);
  });

  it('holds no more of one channel than it can post within its lease: the rest is handed back, none expires', async () => {
    h = outboxHarness();
    const records = await oweFinished(60);
    h.worker({ auditChannelId: undefined }).start();
    await h.time.advance(5_000);
    const claimed = h.db.outbox.filter((row) => row.claimedBy !== null && row.item.channelId === CHANNEL);
    expect(claimed.length).toBeGreaterThan(10);
    expect(claimed.length).toBeLessThanOrEqual(22);

    await h.time.advance(85_000);
    for (const record of records)
      expect(h.slack.postsWithKey(`outcome:${record.attemptId}:cancelled`)).toHaveLength(1);
    // A claim that lapsed would have been looked for in the history before its post: none did.
    expect(h.slack.callsTo('conversations.history')).toHaveLength(0);
    expect(h.log.text()).not.toContain('claim lost');
  });

  it('holds a channel after a 429 for as long as Slack asked, and only that channel', async () => {
    h = outboxHarness();
    h.slack.script('chat.postMessage', { http: 429, retryAfterSec: 10 });
    const [busy] = await oweFinished(1, 'C0BUSY');
    const quiet = await oweFinished(3, 'C0QUIET');
    h.worker({ auditChannelId: undefined }).start();
    await h.time.advance(5_000);
    expect(h.slack.postsWithKey(`outcome:${busy!.attemptId}:cancelled`)).toHaveLength(0);
    for (const record of quiet)
      expect(h.slack.postsWithKey(`outcome:${record.attemptId}:cancelled`)).toHaveLength(1);
    await h.time.advance(6_000);
    expect(h.slack.postsWithKey(`outcome:${busy!.attemptId}:cancelled`)).toHaveLength(1);
  });

  it('hands back what it holds at shutdown; the next process looks for earlier posts and delivers each once', async () => {
    h = outboxHarness();
    const records = await oweFinished(8);
    const first = h.worker({ auditChannelId: undefined, instanceId: 'I0FIRST' });
    first.start();
    await h.time.advance(2_500);
    const postedBefore = h.slack.callsTo('chat.postMessage').length;
    expect(postedBefore).toBeGreaterThan(1);
    expect(postedBefore).toBeLessThan(8);
    const stopping = first.stop();
    await h.time.advance(100);
    await stopping;
    const handedBack = h.db.outbox.filter((row) => row.state === 'pending');
    expect(handedBack.length).toBe(8 - postedBefore);
    expect(handedBack.filter((row) => row.claimedBy !== null)).toEqual([]);

    h.worker({ auditChannelId: undefined, instanceId: 'I0NEXT' }).start();
    await h.time.advance(15_000);
    for (const record of records)
      expect(h.slack.postsWithKey(`outcome:${record.attemptId}:cancelled`)).toHaveLength(1);
    // What another process tried may have reached Slack, as far as this one knows: it looks first.
    expect(h.slack.callsTo('conversations.history')).toHaveLength(handedBack.length);
  });
});

describe('shutdown', () => {
  it('claims once more: what was owed since the last pass goes out where its channel is free', async () => {
    h = outboxHarness();
    const worker = h.worker({ auditChannelId: undefined });
    worker.start();
    await h.time.advance(100);
    // Owed between two ticks (the last cancels' outcomes, recorded while the app drained).
    const [first, ...later] = await oweFinished(3);
    const stopping = worker.stop();
    await h.time.advance(100);
    await stopping;
    expect(h.slack.postsWithKey(`outcome:${first!.attemptId}:cancelled`)).toHaveLength(1);
    for (const record of later)
      expect(h.slack.postsWithKey(`outcome:${record.attemptId}:cancelled`)).toHaveLength(0);
    const handedBack = h.db.outbox.filter((row) => row.state === 'pending');
    expect(handedBack).toHaveLength(later.length);
    expect(handedBack.filter((row) => row.claimedBy !== null)).toEqual([]);
  });

  it('a lookup under way at shutdown: the post goes out if its channel is free', async () => {
    h = outboxHarness();
    // A batch's first message is looked for by its slot before it is posted; the lookup takes 200 ms.
    h.slack.script('conversations.history', { delayMs: 200 });
    const [first] = await h.oweAll(batchOf(2).map((record) => ({ from: null, record })));
    const worker = h.worker({ auditChannelId: undefined });
    worker.start();
    await h.time.advance(10);
    const stopping = worker.stop();
    await h.time.advance(300);
    await stopping;
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage')[0]?.args.metadata).toMatchObject({
      event_payload: { key: expect.stringContaining(first!.batchId!) },
    });
    expect(h.db.outbox.filter((row) => row.state === 'pending')).toEqual([]);
  });

  it('a lookup under way at shutdown: handed back at once if its channel must wait for its turn', async () => {
    h = outboxHarness();
    h.slack.script('conversations.history', { delayMs: 200 });
    // One post takes the channel's turn; the batch's lookup ends a second before its next turn.
    const [posted] = await oweFinished(1);
    await h.oweAll(batchOf(2).map((record) => ({ from: null, record })));
    const worker = h.worker({ auditChannelId: undefined });
    worker.start();
    await h.time.advance(10);
    expect(h.slack.callsTo('conversations.history')).toHaveLength(1);
    let stopped = false;
    const stopping = worker.stop().then(() => {
      stopped = true;
    });
    await h.time.advance(300);
    // Stopped without waiting for the turn (the lookup's end was the last thing it waited for).
    expect(stopped).toBe(true);
    await stopping;
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(h.slack.postsWithKey(`outcome:${posted!.attemptId}:cancelled`)).toHaveLength(1);
    const handedBack = h.db.outbox.filter((row) => row.state === 'pending');
    expect(handedBack).toHaveLength(1);
    expect(handedBack[0]?.claimedBy).toBeNull();
  });

  it('completes a Workflow step whose completion is still reading the store when shutdown comes', async () => {
    h = outboxHarness();
    let release: () => void = () => undefined;
    const reading = new Promise<void>((resolve) => {
      release = resolve;
    });
    const record = buildRecord({ channelId: CHANNEL, functionExecutionId: 'Fx0STOP' });
    await h.oweThrough(record, ['confirmed', 'calling', 'cancelled'], false);
    const worker = h.worker({
      audit: (store) => ({
        ...store,
        async batchAttempts(batchId) {
          await reading;
          return store.batchAttempts(batchId);
        },
      }),
    });
    worker.start();
    await h.time.advance(10);
    const stopping = worker.stop();
    await h.time.advance(10);
    release();
    await h.time.advance(100);
    await stopping;
    expect(h.slack.callsTo('functions.completeSuccess')).toHaveLength(1);
    expect((await h.store.findAttempt(record.attemptId))?.stepCompletedAt).toBeDefined();
  });
});
