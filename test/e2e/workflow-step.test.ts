import { describe, expect, it } from 'vitest';
import { sharedClock } from '../../src/audit/sqlite/shared-clock.js';
import type { LocalStack, Person } from '../../src/local/demo/local-stack.js';
import { DEFAULT_ACTOR, DEFAULT_CHANNEL } from '../../src/local/slack-standin/payloads.js';
import type { FunctionCompletion } from '../../src/local/slack-standin/workspace.js';
import { Approval } from '../../src/slack/ids.js';
import { auditEntriesAt } from '../support/local-stack-audit.js';
import { localStackPerTest } from '../support/local-stack-per-test.js';
import { firstPostedMessage } from '../support/posted-message.js';
import { eventually } from '../support/process-stack.js';

const OPERATOR: Person = DEFAULT_ACTOR;
const BOB: Person = { id: 'U0BOBAPPROVE', name: 'bob' };
const MALLORY: Person = { id: 'U0MALLORY1', name: 'mallory' };
const CANCEL = 'wms.stockin.Purchase.cancel';

const start = localStackPerTest();

const cancelCalls = (s: LocalStack) => s.wdt.calls.filter((c) => c.method === CANCEL);

const inputs = (overrides: Record<string, unknown> = {}) => ({
  order_numbers: 'RK2006030008',
  reason: 'supplier form: wrong goods',
  requester: OPERATOR.id,
  outcome_channel: DEFAULT_CHANNEL.id,
  ...overrides,
});

async function runStep(s: LocalStack, given: Record<string, unknown>): Promise<FunctionCompletion> {
  const { functionExecutionId, response } = await s.driver.runStep(given);
  expect(response.statusCode).toBe(200);
  return eventually(() => s.slack.functionCompletions.get(functionExecutionId), 15_000);
}

/** The audit trail once it holds the record that the step was completed. */
function completionRecorded(s: LocalStack) {
  return eventually(async () => {
    const all = await auditEntriesAt(s.auditDbPath);
    return all.at(-1)?.record.stepCompletedAt !== undefined && all;
  });
}

describe('Workflow Builder step "Cancel a stock-in order"', () => {
  it('cancels as the requester, posts the outcome in the outcome channel, and completes with outputs', async () => {
    const s = await start();
    const done = await runStep(s, inputs());
    expect(done).toMatchObject({
      kind: 'success',
      outputs: { cancelled: ['RK2006030008'], not_cancelled: [] },
    });
    const outputs = (done as Extract<FunctionCompletion, { kind: 'success' }>).outputs;
    expect(String(outputs.outcome)).toContain('Cancelled 1 of 1');
    const post = await s.slack.waitFor('chat.postMessage', { timeoutMs: 5_000 });
    expect(post.args.channel).toBe(DEFAULT_CHANNEL.id);
    expect(cancelCalls(s)).toHaveLength(1);
    // Slack learns of the completion and of the post first; the records of them follow, in either order.
    const entries = await eventually(async () => {
      const all = await completionRecorded(s);
      return all.filter((e) => e.event === 'notified').length === 2 && all;
    });
    // Every WDT call had its durable record first, and the completion is recorded too.
    expect(entries.map((e) => e.event)).toEqual([
      'requested',
      'confirmed',
      'calling',
      'cancelled',
      'notified',
      'notified',
    ]);
    expect(entries.every((e) => e.record.requesterId === OPERATOR.id)).toBe(true);
    expect(entries.at(-1)!.record.stepCompletedAt).toBeTypeOf('string');
    expect(outputs.audit_record_ids).toEqual([entries[0]!.record.attemptId]);
  });

  it('checks the requester, not the workflow: someone not on the allowlist is refused and audited', async () => {
    const s = await start();
    const done = await runStep(s, inputs({ requester: MALLORY.id }));
    expect(done).toMatchObject({ kind: 'error' });
    expect((done as { error: string }).error).toContain('You are not allowed to cancel');
    const entries = await completionRecorded(s);
    expect(entries.map((e) => e.event)).toEqual(['denied', 'notified']);
    expect(entries[0]!.record).toMatchObject({ requesterId: MALLORY.id, entryPoint: 'workflow_step' });
    expect(cancelCalls(s)).toHaveLength(0);
  });

  it('refuses an outcome channel outside CANCEL_ALLOWED_CHANNELS', async () => {
    const s = await start({ env: { CANCEL_ALLOWED_CHANNELS: 'C0ONLYHERE' } });
    const done = await runStep(s, inputs());
    expect((done as { error: string }).error).toContain('cannot be cancelled from this channel');
    expect(cancelCalls(s)).toHaveLength(0);
  });

  it('ends bad input with a human message and records nothing', async () => {
    const s = await start();
    const cases: [Record<string, unknown>, string][] = [
      [inputs({ order_numbers: 'hello' }), 'is not a stock-in order number'],
      [inputs({ order_numbers: '' }), 'got no order number'],
      [inputs({ order_numbers: 'RK2006030008\u202e' }), 'hidden or control characters'],
      [inputs({ reason: '   ' }), 'Please give a reason'],
      [inputs({ reason: 'x'.repeat(501) }), 'under 500 characters'],
      [inputs({ requester: 'not-a-user' }), 'without the inputs it needs'],
      [{ order_numbers: 'RK2006030008' }, 'without the inputs it needs'],
    ];
    for (const [given, message] of cases) {
      const done = await runStep(s, given);
      expect(done.kind).toBe('error');
      expect((done as { error: string }).error).toContain(message);
    }
    expect(await auditEntriesAt(s.auditDbPath)).toHaveLength(0);
    expect(cancelCalls(s)).toHaveLength(0);
  });

  it('runs a batch and says which orders were and were not cancelled', async () => {
    const s = await start();
    const done = await runStep(s, inputs({ order_numbers: 'RK2006030008, RK2006030009, RK2006020003' }));
    expect(done).toMatchObject({
      kind: 'success',
      outputs: { cancelled: ['RK2006030008', 'RK2006030009'], not_cancelled: ['RK2006020003'] },
    });
    expect(done.kind === 'success' && done.outputs.audit_record_ids).toHaveLength(3);
    expect(cancelCalls(s)).toHaveLength(2);
  });

  it('completes with an error when no order could be cancelled', async () => {
    const s = await start();
    const done = await runStep(s, inputs({ order_numbers: 'RK2006020003' }));
    expect(done.kind).toBe('error');
    expect((done as { error: string }).error).toContain('No order was cancelled');
    expect(cancelCalls(s)).toHaveLength(0);
  });

  it('in peer mode waits for a second person, and completes only after the decision', async () => {
    const s = await start({
      env: { APPROVAL_MODE: 'peer', CANCEL_ALLOWED_USERS: `${OPERATOR.id},${BOB.id}` },
    });
    const { functionExecutionId } = await s.driver.runStep(inputs());
    const message = await firstPostedMessage(s.slack);
    expect(JSON.stringify(message().blocks)).toContain('Approval needed');
    expect(s.slack.functionCompletions.has(functionExecutionId)).toBe(false);

    // The requester named in the workflow cannot approve their own request.
    await s.driver.clickMessageButton(message(), Approval.approveAction, OPERATOR);
    await s.slack.waitFor('chat.postEphemeral', { timeoutMs: 5_000 });
    expect(s.slack.functionCompletions.has(functionExecutionId)).toBe(false);
    expect(cancelCalls(s)).toHaveLength(0);

    await s.driver.clickMessageButton(message(), Approval.approveAction, BOB);
    const done = await eventually(() => s.slack.functionCompletions.get(functionExecutionId), 15_000);
    expect(done).toMatchObject({ kind: 'success', outputs: { cancelled: ['RK2006030008'] } });
    expect(cancelCalls(s)).toHaveLength(1);
  });

  it('in peer mode completes with an error when the request expires', async () => {
    const clock = sharedClock(new Date());
    const s = await start({
      env: {
        APPROVAL_MODE: 'peer',
        CANCEL_ALLOWED_USERS: `${OPERATOR.id},${BOB.id}`,
        APPROVAL_TTL_MINUTES: '5',
      },
      clock,
    });
    const { functionExecutionId } = await s.driver.runStep(inputs());
    await s.slack.waitFor('chat.postMessage', { timeoutMs: 5_000 });
    clock.advance(6 * 60_000);
    // Once the request is recorded as posted, the sweep finds it past its time.
    await eventually(async () => (await s.bot.expireApprovals()) === 1);
    const done = await eventually(() => s.slack.functionCompletions.get(functionExecutionId));
    expect(done.kind).toBe('error');
    expect((done as { error: string }).error).toContain('Expired');
    expect(cancelCalls(s)).toHaveLength(0);
  });
});
