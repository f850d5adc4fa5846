import { describe, expect, it } from 'vitest';
import type { AttemptRecord, AuditStore } from '../../src/core/ports/audit.js';
import { STOCKIN_STATUS } from '../../src/core/purchase-stockin.js';
import { type ReconcileDeps, reconcileStuckCalls } from '../../src/core/reconcile.js';
import { createLogger } from '../../src/logger.js';
import { manualClock, START } from '../support/core-harness.js';
import { lockedCall } from '../support/locked-call.js';
import { openMemoryAuditStore } from '../support/memory-audit-store.js';
import { buildOrder, scriptedWdt } from '../support/scripted-wdt.js';

const ORDER = 'RK2024050100001';
const MIN_AGE_MS = 5 * 60_000;

/** An attempt whose process stopped during its WDT call: `calling`, holding its order's lock. */
const stuckCall = (store: AuditStore, orderNo = ORDER) =>
  lockedCall(store, { attemptId: `01STUCK${orderNo}`, orderNo });

function reconciler(status: number | null) {
  const clock = manualClock();
  const store = openMemoryAuditStore();
  const wdt = scriptedWdt({ orders: status === null ? [] : [buildOrder({ stockinNo: ORDER, status })] });
  const announced: AttemptRecord[] = [];
  const deps: ReconcileDeps = {
    wdt,
    audit: store,
    clock,
    logger: createLogger({ level: 'silent' }),
    announce: async (record) => announced.push(record),
    minAgeMs: MIN_AGE_MS,
  };
  return { clock, store, wdt, announced, run: () => reconcileStuckCalls(deps) };
}

describe('reconciling a cancel stuck in calling', () => {
  it('records reconciled_cancelled when WDT shows the order cancelled (status 10), releases the lock, announces it', async () => {
    const r = reconciler(STOCKIN_STATUS.cancelled);
    const stuck = await stuckCall(r.store);
    r.clock.advance(MIN_AGE_MS);

    const report = await r.run();

    expect(report.pending).toEqual([]);
    expect(report.reconciled).toMatchObject([
      { attemptId: stuck.attemptId, state: 'reconciled_cancelled', statusAfter: STOCKIN_STATUS.cancelled },
    ]);
    expect(await r.store.findStuckCalling()).toEqual([]);
    expect(r.announced.map((a) => a.state)).toEqual(['reconciled_cancelled']);
    expect((await r.store.beginCall({ ...stuck, attemptId: 'next' }, r.clock.now())).ok).toBe(true);
    expect(r.wdt.callsOf('cancelStockin')).toEqual([]);
  });

  it.each([STOCKIN_STATUS.editing, STOCKIN_STATUS.pendingReview, STOCKIN_STATUS.completed])(
    'records reconciled_not_cancelled when WDT shows status %i',
    async (status) => {
      const r = reconciler(status);
      await stuckCall(r.store);
      r.clock.advance(MIN_AGE_MS);

      const report = await r.run();

      expect(report.reconciled).toMatchObject([{ state: 'reconciled_not_cancelled', statusAfter: status }]);
      expect(r.wdt.callsOf('cancelStockin')).toEqual([]);
    },
  );

  it.each([
    ['the look-up failed', STOCKIN_STATUS.cancelled, true],
    ['the order was not found', null, false],
  ] as const)('leaves the attempt locked in calling when WDT cannot say: %s', async (_, status, fails) => {
    const r = reconciler(status);
    const stuck = await stuckCall(r.store);
    r.clock.advance(MIN_AGE_MS);
    if (fails)
      r.wdt.next('queryStockin', { kind: 'not_sent', reason: 'connect ECONNREFUSED', durationMs: 1 });

    const report = await r.run();

    expect(report).toEqual({ reconciled: [], pending: [stuck.attemptId] });
    expect(await r.store.findStuckCalling()).toEqual([stuck]);
    expect((await r.store.beginCall({ ...stuck, attemptId: 'next' }, r.clock.now())).ok).toBe(false);
    expect(r.announced).toEqual([]);
  });

  it('does not ask WDT about a call younger than the longest a call can take', async () => {
    const r = reconciler(STOCKIN_STATUS.cancelled);
    const stuck = await stuckCall(r.store);
    r.clock.advance(MIN_AGE_MS - 1);

    expect(await r.run()).toEqual({ reconciled: [], pending: [stuck.attemptId] });
    expect(r.wdt.calls).toEqual([]);
  });

  it('only looks at the order since the call was sent', async () => {
    const r = reconciler(STOCKIN_STATUS.cancelled);
    await stuckCall(r.store);
    r.clock.advance(MIN_AGE_MS);

    await r.run();

    const [query] = r.wdt.callsOf('queryStockin');
    expect(query?.query.stockinNo).toBe(ORDER);
    expect(query!.query.start.getTime()).toBeGreaterThanOrEqual(START.getTime() - 90 * 86_400_000);
  });
});
