import { describe, expect, it } from 'vitest';
import type { StockinOrder, WdtOutcome } from '../../src/core/ports/wdt.js';
import { STOCKIN_STATUS } from '../../src/core/purchase-stockin.js';
import { reconcileHeldCalls } from '../../src/core/reconcile.js';
import { createLogger } from '../../src/logger.js';
import { coreHarness, REQUESTER } from '../support/core-harness.js';
import { buildOrder } from '../support/scripted-wdt.js';

const ORDER = 'RK2024050100001';
const LEASE_MS = 5_000;

/**
 * Two processes of one deployment on one database: `owner` confirms a cancel and is frozen (a long GC pause,
 * a paused VM) at one of its awaits; `other` reconciles and serves a second requester meanwhile.
 */
function twoProcesses() {
  const owner = coreHarness({
    orders: [buildOrder({ stockinNo: ORDER })],
    instanceId: '01OWNER',
    leaseTtlMs: LEASE_MS,
  });
  const other = coreHarness({ sharing: owner, instanceId: '01OTHER' });
  const reconcile = () =>
    reconcileHeldCalls({
      wdt: owner.wdt,
      audit: other.store,
      clock: owner.clock,
      logger: createLogger({ level: 'silent' }),
      longestCallMs: 10 * 60_000,
      lease: { instanceId: other.instanceId, knowsWhoIsLive: () => true },
      isRunningHere: other.execution.isRunning,
    });
  return { owner, other, reconcile };
}

/** Holds the next answer to a query until the test releases it: the owner is frozen at that await. */
function freezeNextQuery(core: ReturnType<typeof coreHarness>) {
  let wake: () => void = () => undefined;
  core.wdt.next('queryStockin', async (): Promise<WdtOutcome<StockinOrder[]>> => {
    // What WDT showed when the owner asked, before it froze.
    const seen = [{ ...core.wdt.orders.get(ORDER)! }];
    await new Promise<void>((resolve) => (wake = resolve));
    return { kind: 'ok', data: seen, durationMs: 5 };
  });
  return () => wake();
}

describe('a process frozen during its re-check, past its lease', () => {
  it('is taken over; a second person’s cancel goes through; the frozen process wakes and sends nothing', async () => {
    const { owner, other, reconcile } = twoProcesses();
    const [first] = await owner.requestAndPreview([ORDER]);
    const wake = freezeNextQuery(owner);
    const frozen = owner.cancel.confirm({ attemptIds: [first!], userId: REQUESTER, reason: 'duplicate' });
    await expect.poll(() => owner.wdt.callsOf('queryStockin').length).toBe(2);

    owner.clock.advance(LEASE_MS);
    const report = await reconcile();
    // The owner never signed a request, so the verdict needs no wait.
    expect(report.reconciled).toMatchObject([{ attemptId: first, state: 'reconciled_not_cancelled' }]);

    const [second] = await other.requestAndPreview([ORDER]);
    const result = await other.cancel.confirm({ attemptIds: [second!], userId: REQUESTER, reason: 'again' });
    expect(result).toMatchObject({ kind: 'finished', record: { state: 'cancelled' } });

    wake();
    const late = await frozen;

    expect(owner.wdt.callsOf('cancelStockin')).toHaveLength(1);
    expect(late).toMatchObject({ kind: 'finished', record: { state: 'reconciled_not_cancelled' } });
    const history = await owner.store.orderHistory(ORDER);
    const finals = history
      .filter((e) => e.event !== 'notified')
      .map((e) => `${e.record.attemptId === first ? 1 : 2}:${e.event}`);
    expect(finals.at(-1)).toBe('2:cancelled');
    expect(owner.wdt.orders.get(ORDER)!.status).toBe(STOCKIN_STATUS.cancelled);
  });

  it('a process frozen right after signing: the order stays locked until WDT can no longer accept the request', async () => {
    const { owner, other, reconcile } = twoProcesses();
    const [first] = await owner.requestAndPreview([ORDER]);
    let deliver: () => void = () => undefined;
    // Signed and on the wire; WDT receives it only when the test says.
    owner.wdt.next('cancelStockin', async () => {
      await new Promise<void>((resolve) => (deliver = resolve));
      owner.wdt.orders.get(ORDER)!.status = STOCKIN_STATUS.cancelled;
      return { kind: 'ok', data: null, durationMs: 5 };
    });
    const frozen = owner.cancel.confirm({ attemptIds: [first!], userId: REQUESTER, reason: 'duplicate' });
    await expect.poll(() => owner.wdt.callsOf('cancelStockin').length).toBe(1);

    owner.clock.advance(LEASE_MS);
    const report = await reconcile();
    expect(report.awaiting).toMatchObject([{ attemptId: first, state: 'awaiting_verdict' }]);

    // A second person cannot start a second cancel while the first may still land.
    const [second] = await other.requestAndPreview([ORDER]);
    const busy = await other.cancel.confirm({ attemptIds: [second!], userId: REQUESTER, reason: 'again' });
    expect(busy).toMatchObject({ kind: 'busy' });

    deliver();
    const late = await frozen;
    // The owner's answer is WDT's: it settles the pending verdict.
    expect(late).toMatchObject({ kind: 'finished', record: { state: 'cancelled' } });
    expect(owner.wdt.callsOf('cancelStockin')).toHaveLength(1);
    expect((await owner.store.heldLocks()).length).toBe(0);
  });
});

describe('a pause recorded while a cancel is being checked', () => {
  it('stops the request at the fence: nothing is signed, and the record says why', async () => {
    const owner = coreHarness({ orders: [buildOrder({ stockinNo: ORDER })] });
    const [attemptId] = await owner.requestAndPreview([ORDER]);
    const wake = freezeNextQuery(owner);
    const confirming = owner.cancel.confirm({ attemptIds: [attemptId!], userId: REQUESTER, reason: 'x' });
    await expect.poll(() => owner.wdt.callsOf('queryStockin').length).toBe(2);

    const change = await owner.store.recordControl(
      {
        ...(await owner.store.findAttempt(attemptId!))!,
        attemptId: '01PAUSE',
        batchId: '01PAUSE',
        orderNo: null,
        requesterId: 'U0ADMIN',
        reason: 'stocktake',
        state: 'paused',
        stateTimes: { paused: owner.clock.now().toISOString() },
      },
      owner.clock.now(),
    );
    expect(change.changed).toBe(true);
    wake();

    expect(await confirming).toMatchObject({
      kind: 'finished',
      record: { state: 'failed', wdtOutcome: 'not_sent' },
    });
    expect(owner.wdt.callsOf('cancelStockin')).toEqual([]);
  });
});
