import { describe, expect, it } from 'vitest';
import { advance, newAttempt } from '../../src/core/attempt.js';
import type { AttemptRecord, AttemptState, AuditStore } from '../../src/core/ports/audit.js';
import type { StepCompleter } from '../../src/core/ports/step-completer.js';
import { STOCKIN_STATUS } from '../../src/core/purchase-stockin.js';
import { reconcileHeldCalls } from '../../src/core/reconcile.js';
import { runCancelStep, settleStaleSteps } from '../../src/core/workflow-step.js';
import { createLogger } from '../../src/logger.js';
import { writeHistory } from '../support/audit-fixtures.js';
import { CHANNEL, coreHarness, manualClock, OUTSIDER, REQUESTER, START } from '../support/core-harness.js';
import { createMemoryAuditDatabase, openMemoryAuditStore } from '../support/memory-audit-store.js';
import { buildOrder, scriptedWdt } from '../support/scripted-wdt.js';

const STALE_MS = 30 * 60_000;
const EXECUTION = 'Fx0STEP00001';
const silent = createLogger({ level: 'silent' });

function recordingCompleter(): StepCompleter & { settled: AttemptRecord[][] } {
  const settled: AttemptRecord[][] = [];
  return {
    settled,
    async settle(records) {
      settled.push([...records]);
    },
  };
}

function stepAttempt(orderNo: string, index: number): AttemptRecord {
  return newAttempt({
    attemptId: `01STEP${String(index).padStart(20, '0')}`,
    batchId: '01STEP00000000000000000000',
    teamId: 'T0TEAM',
    channelId: CHANNEL,
    requesterId: REQUESTER,
    orderNo,
    wdtHost: 'sandbox.wangdian.cn',
    state: 'requested',
    at: START,
    origin: { entryPoint: 'workflow_step', functionExecutionId: EXECUTION },
  });
}

/** The states an attempt of these tests passes through before the one it is written in. */
const BEFORE: Partial<Record<AttemptState, AttemptState[]>> = {
  confirmed: ['requested'],
  failed: ['requested'],
  calling: ['requested', 'confirmed'],
};

/** Writes the attempt's history up to `record`, each state a transition from the one before. */
async function write(store: AuditStore, record: AttemptRecord): Promise<AttemptRecord> {
  const before = (BEFORE[record.state] ?? []).map((state) => ({ ...record, state }));
  await writeHistory(store, [...before, record], () => START);
  return record;
}

describe('a Workflow Builder step through the cancel use case', () => {
  it("checks the requester's policy, never the bot's or the workflow's", async () => {
    const h = coreHarness({ orders: [buildOrder({ stockinNo: 'RK2024050100001' })] });
    const run = await runCancelStep(h.cancel, {
      functionExecutionId: EXECUTION,
      teamId: 'T0TEAM',
      requesterId: OUTSIDER,
      channelId: CHANNEL,
      orderNos: ['RK2024050100001'],
      reason: 'form',
    });
    expect(run.kind).toBe('denied');
    expect(h.wdt.calls.filter((c) => c.method === 'cancelStockin')).toHaveLength(0);
  });

  it('carries the execution id on every record, so that any process can complete the step', async () => {
    const h = coreHarness({
      orders: [buildOrder({ stockinNo: 'RK2024050100001' }), buildOrder({ stockinNo: 'RK2024050100002' })],
    });
    const run = await runCancelStep(h.cancel, {
      functionExecutionId: EXECUTION,
      teamId: 'T0TEAM',
      requesterId: REQUESTER,
      channelId: CHANNEL,
      orderNos: ['RK2024050100001', 'RK2024050100002'],
      reason: 'form',
    });
    expect(run.kind === 'confirmed' && run.result.kind).toBe('batch_finished');
    for await (const entry of h.store.entries()) {
      expect(entry.record).toMatchObject({ functionExecutionId: EXECUTION, entryPoint: 'workflow_step' });
    }
  });
});

describe('settling the steps a stopped process left', () => {
  it('closes an order left requested once it is stale, never before, and completes the step', async () => {
    const clock = manualClock();
    const store = openMemoryAuditStore(createMemoryAuditDatabase(clock.now));
    const steps = recordingCompleter();
    const first = await write(store, stepAttempt('RK2024050100001', 1));
    const sweep = () =>
      settleStaleSteps({ audit: store, steps, clock, logger: silent, staleAfterMs: STALE_MS });

    clock.advance(STALE_MS - 1);
    expect(await sweep()).toBe(0);
    expect((await store.findAttempt(first.attemptId))!.state).toBe('requested');

    clock.advance(1);
    expect(await sweep()).toBe(1);
    const closed = await store.findAttempt(first.attemptId);
    expect(closed).toMatchObject({ state: 'failed' });
    expect(closed!.detail).toContain('nothing was sent');
    expect(steps.settled).toEqual([[closed]]);
  });

  it('leaves a batch waiting for approval, and one whose step was completed, alone', async () => {
    const clock = manualClock();
    const store = openMemoryAuditStore(createMemoryAuditDatabase(clock.now));
    const steps = recordingCompleter();
    const waiting = advance(stepAttempt('RK2024050100001', 1), 'confirmed', START, {
      reason: 'x',
      approvalRequested: true,
    });
    await write(store, waiting);
    await store.annotate(waiting.attemptId, { notifiedVia: 'channel', slackTs: '1.2' }, START);
    const done = advance(stepAttempt('RK2024050100002', 2), 'failed', START);
    await write(store, { ...done, batchId: 'OTHERBATCH', stepCompletedAt: START.toISOString() });
    clock.advance(10 * STALE_MS);
    expect(
      await settleStaleSteps({ audit: store, steps, clock, logger: silent, staleAfterMs: STALE_MS }),
    ).toBe(0);
    expect(steps.settled).toEqual([]);
    expect((await store.findAttempt(waiting.attemptId))!.state).toBe('confirmed');
  });

  it('completes the step of a call the reconciler settled after a crash (kill -9 during the WDT call)', async () => {
    const clock = manualClock();
    const store = openMemoryAuditStore(createMemoryAuditDatabase(clock.now));
    const steps = recordingCompleter();
    const requested = stepAttempt('RK2024050100001', 1);
    await write(store, advance(advance(requested, 'confirmed', START, { reason: 'x' }), 'calling', START));
    // While the call may still be running, nothing is completed.
    expect(
      await settleStaleSteps({ audit: store, steps, clock, logger: silent, staleAfterMs: STALE_MS }),
    ).toBe(0);

    clock.advance(STALE_MS);
    const wdt = scriptedWdt({
      orders: [buildOrder({ stockinNo: 'RK2024050100001', status: STOCKIN_STATUS.cancelled })],
    });
    const report = await reconcileHeldCalls({
      wdt,
      audit: store,
      clock,
      logger: silent,
      longestCallMs: STALE_MS,
      lease: { instanceId: '01SELF', knowsWhoIsLive: () => true },
      isRunningHere: () => false,
    });
    expect(report.reconciled).toHaveLength(1);
    expect(
      await settleStaleSteps({ audit: store, steps, clock, logger: silent, staleAfterMs: STALE_MS }),
    ).toBe(1);
    expect(steps.settled[0]).toMatchObject([
      { state: 'reconciled_cancelled', functionExecutionId: EXECUTION },
    ]);
  });
});
