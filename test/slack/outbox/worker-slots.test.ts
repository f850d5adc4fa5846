import { afterEach, describe, expect, it } from 'vitest';
import type { AttemptRecord, AttemptState } from '../../../src/core/ports/audit.js';
import { Approval } from '../../../src/slack/ids.js';
import { buildRecord, moved } from '../../support/audit-fixtures.js';
import { AUDIT_CHANNEL, batchOf, CHANNEL, type OutboxHarness, outboxHarness } from './outbox-harness.js';

let h: OutboxHarness;
afterEach(async () => {
  await h.stopAll();
});

/** Moves every order of a batch from its state to `state` in one write (as a batch's changes are owed). */
async function moveAll(records: AttemptRecord[], state: AttemptState): Promise<AttemptRecord[]> {
  return h.oweAll(records.map((record) => ({ from: record.state, record: moved(record, state) })));
}

const text = (message: { text: string | undefined; blocks: unknown } | undefined) =>
  `${message?.text ?? ''} ${JSON.stringify(message?.blocks ?? [])}`;

describe('one message per batch, edited in place', () => {
  it('posts the batch message once, edits it as its orders move, and copies it to the audit channel only when done', async () => {
    h = outboxHarness();
    let batch = await h.oweAll(batchOf(3).map((record) => ({ from: null, record })));
    batch = await moveAll(batch, 'confirmed');
    h.worker().start();
    await h.time.advance(2_000);
    const [message] = h.slack.messagesIn(CHANNEL);
    expect(h.slack.messagesIn(CHANNEL)).toHaveLength(1);

    batch = await moveAll(batch, 'calling');
    await h.time.advance(2_000);
    batch = await h
      .oweAll([{ from: 'calling', record: moved(batch[0]!, 'cancelled') }])
      .then(([done]) => [done!, ...batch.slice(1)]);
    await h.time.advance(2_000);
    // Not done yet: the audit channel has nothing of this batch.
    expect(h.slack.messagesIn(AUDIT_CHANNEL)).toEqual([]);

    await h.oweAll([
      { from: 'calling', record: moved(batch[1]!, 'cancelled') },
      { from: 'calling', record: moved(batch[2]!, 'refused') },
    ]);
    await h.time.advance(3_000);
    expect(h.slack.messagesIn(CHANNEL)).toHaveLength(1);
    const edited = h.slack.workspace.messages.get(message!.ts)!;
    expect(edited.edits).toBeGreaterThanOrEqual(2);
    for (const record of batch) expect(text(edited)).toContain(record.orderNo);
    expect(text(edited)).toContain('2 × Cancelled');
    const [copy] = h.slack.messagesIn(AUDIT_CHANNEL);
    expect(h.slack.messagesIn(AUDIT_CHANNEL)).toHaveLength(1);
    expect(text(copy)).toContain('2 × Cancelled');
    expect(h.counted.delivered).toContain('batch:nothing');
    expect(await h.rows(['pending'])).toEqual([]);
  });

  it('shows the approval buttons while a second person must approve, and its expiry', async () => {
    h = outboxHarness();
    const requested = batchOf(2);
    await h.oweAll(requested.map((record) => ({ from: null, record })));
    await h.oweAll(
      requested.map((record) => ({
        from: 'requested' as const,
        record: {
          ...moved(record, 'confirmed'),
          stateTimes: { confirmed: '2024-05-01T04:00:00.000Z' },
          approvalRequested: true,
        },
      })),
    );
    h.worker().start();
    await h.time.advance(2_000);
    const [request] = h.slack.messagesIn(CHANNEL);
    expect(text(request)).toContain(Approval.approveAction);
    expect(text(request)).toContain('2024-05-01 04:30');
  });

  it('a late correction after the batch was done edits the audit copy in place, never a second copy', async () => {
    h = outboxHarness();
    let batch = await h.oweAll(batchOf(2).map((record) => ({ from: null, record })));
    batch = await moveAll(batch, 'confirmed');
    batch = await moveAll(batch, 'calling');
    batch = await moveAll(batch, 'failed');
    h.worker().start();
    await h.time.advance(3_000);
    expect(h.slack.messagesIn(AUDIT_CHANNEL)).toHaveLength(1);
    expect(text(h.slack.messagesIn(AUDIT_CHANNEL)[0])).toContain('2 × Failed');
    // WDT's late answer: the cancel did happen.
    await h.oweAll([{ from: 'failed', record: moved(batch[0]!, 'cancelled'), event: 'corrected' }]);
    await h.time.advance(3_000);
    const copies = h.slack.messagesIn(AUDIT_CHANNEL);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.edits).toBe(1);
    expect(text(copies[0])).toContain('1 × Cancelled');
  });
});

describe('order within a slot', () => {
  it('never posts an attempt’s stale “in progress” after its own final outcome: the later replaces the earlier undelivered one', async () => {
    h = outboxHarness();
    h.slack.downUntil(30_000, { http: 503 });
    const waiting = await h.oweAwaitingVerdict();
    h.worker({ auditChannelId: undefined }).start();
    await h.time.advance(5_000);
    await h.owe(moved(waiting, 'reconciled_cancelled'), 'awaiting_verdict');
    await h.time.advance(60_000);
    const posts = h.slack.messagesIn(CHANNEL);
    expect(
      posts.map((post) => (post.metadata as { event_payload: { key: string } }).event_payload.key),
    ).toEqual([`outcome:${waiting.attemptId}:reconciled_cancelled`]);
    expect((await h.rows(['superseded'])).map((row) => row.item.key)).toEqual([
      `outcome:${waiting.attemptId}:awaiting_verdict`,
    ]);
  });

  it('delivers an attempt’s messages in the order of its states when each is owed after the last went out', async () => {
    h = outboxHarness();
    const waiting = await h.oweAwaitingVerdict();
    h.worker({ auditChannelId: undefined }).start();
    await h.time.advance(2_000);
    await h.owe(moved(waiting, 'reconciled_cancelled'), 'awaiting_verdict');
    await h.time.advance(3_000);
    const keys = h.slack
      .messagesIn(CHANNEL)
      .map((post) => (post.metadata as { event_payload: { key: string } }).event_payload.key);
    expect(keys).toEqual([
      `outcome:${waiting.attemptId}:awaiting_verdict`,
      `outcome:${waiting.attemptId}:reconciled_cancelled`,
    ]);
  });
});

describe('a Workflow Builder step', () => {
  it('is completed once, only when every order of its batch is final, and the completion is recorded', async () => {
    h = outboxHarness();
    const step = { functionExecutionId: 'Fx0STEP', entryPoint: 'workflow_step' as const };
    let batch = await h.oweAll(batchOf(2, step).map((record) => ({ from: null, record })));
    batch = await moveAll(batch, 'confirmed');
    h.worker().start();
    await h.time.advance(2_000);
    expect(h.slack.callsTo('functions.completeSuccess')).toEqual([]);

    batch = await moveAll(batch, 'calling');
    batch = await h.oweAll([
      { from: 'calling', record: moved(batch[0]!, 'cancelled') },
      { from: 'calling', record: moved(batch[1]!, 'refused') },
    ]);
    await h.time.advance(3_000);
    const [completion] = h.slack.callsTo('functions.completeSuccess');
    expect(h.slack.callsTo('functions.completeSuccess')).toHaveLength(1);
    expect(completion?.args).toMatchObject({ function_execution_id: 'Fx0STEP' });
    for (const record of batch)
      expect((await h.store.findAttempt(record.attemptId))?.stepCompletedAt).toBeDefined();
    expect(h.counted.delivered).toContain('step:called');

    // A later change of the batch owes the step again: it is done, so nothing is called.
    await h.oweAll([{ from: 'refused', record: moved(batch[1]!, 'cancelled'), event: 'corrected' }]);
    await h.time.advance(3_000);
    expect(h.slack.callsTo('functions.completeSuccess')).toHaveLength(1);
  });

  it('counts Slack’s “already completed” as done', async () => {
    h = outboxHarness();
    h.slack.script('functions.completeError', { error: 'execution_not_in_running_state' });
    const record = buildRecord({ channelId: CHANNEL, functionExecutionId: 'Fx0TWICE' });
    await h.oweThrough(record, ['confirmed', 'calling', 'refused'], false);
    h.worker().start();
    await h.time.advance(2_000);
    expect(h.slack.callsTo('functions.completeError')).toHaveLength(1);
    expect((await h.store.findAttempt(record.attemptId))?.stepCompletedAt).toBeDefined();
    expect(await h.rows(['pending', 'given_up'])).toEqual([]);
  });
});
