import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACTOR, DEFAULT_CHANNEL } from '../../src/local/slack-standin/payloads.js';
import { auditEntriesAt } from '../support/local-stack-audit.js';
import { eventually, type ProcessStack, startProcessStack } from '../support/process-stack.js';

const ORDER = 'RK2006030008';
const CANCEL = 'wms.stockin.Purchase.cancel';

let stack: ProcessStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('kill -9 during a Workflow Builder step', () => {
  it('is reconciled like any attempt, and the restarted bot completes the step from the audit trail', async () => {
    stack = await startProcessStack({ WDT_TIMEOUT_MS: '500' });
    const s = stack;
    const first = await s.spawn();
    // WDT applies the cancel but its answer never reaches the bot before it dies.
    s.wdt.faults.set({ latencyMs: 0, answerDelayMs: 30_000 }, CANCEL);
    const { functionExecutionId } = await first.driver.runStep({
      order_numbers: ORDER,
      reason: 'crash during a workflow step',
      requester: DEFAULT_ACTOR.id,
      outcome_channel: DEFAULT_CHANNEL.id,
    });
    await eventually(() => s.wdt.orders.get(ORDER)?.status === 10);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(s.slack.functionCompletions.has(functionExecutionId)).toBe(false);

    s.wdt.faults.reset();
    await s.spawn();
    const done = await eventually(() => s.slack.functionCompletions.get(functionExecutionId), 40_000);
    expect(done).toMatchObject({ kind: 'success', outputs: { cancelled: [ORDER], not_cancelled: [] } });
    expect(s.wdt.calls.filter((c) => c.method === CANCEL)).toHaveLength(1);
    // The step's completion and the channel post are recorded independently, in either order.
    const entries = await eventually(async () => {
      const all = await auditEntriesAt(s.auditDbPath);
      const notified = all.filter((e) => e.event === 'notified');
      return notified.length >= 2 && notified.some((e) => e.record.stepCompletedAt) && all;
    });
    expect(entries.map((e) => e.event)).toEqual([
      'requested',
      'confirmed',
      'calling',
      'reconciled_cancelled',
      'notified',
      'notified',
    ]);
  }, 90_000);
});
