import { describe, expect, it } from 'vitest';
import { checkDetail, checkOrder } from '../../src/core/order-check.js';
import { lookupOrder, MAX_WINDOW_DAYS } from '../../src/core/order-lookup.js';
import { STOCKIN_STATUS } from '../../src/core/purchase-stockin.js';
import { START } from '../support/core-harness.js';
import { buildOrder, scriptedWdt } from '../support/scripted-wdt.js';

const ORDER = 'RK2024050100001';
const DAY_MS = 86_400_000;
const settings = { lookupDays: 30, allowUnverified: false };

describe('looking an order up', () => {
  it('searches newest window first, in windows WDT accepts, back to the limit, then says not found', async () => {
    const wdt = scriptedWdt();

    const lookup = await lookupOrder(wdt, ORDER, { now: START, days: 90 });

    expect(lookup).toEqual({ kind: 'not_found', searchedDays: 90 });
    const windows = wdt.callsOf('queryStockin').map((c) => c.query);
    for (const window of windows) {
      expect(window.stockinNo).toBe(ORDER);
      expect(window.end.getTime() - window.start.getTime()).toBeLessThanOrEqual(MAX_WINDOW_DAYS * DAY_MS);
    }
    for (let i = 1; i < windows.length; i += 1) {
      expect(windows[i]!.end.getTime()).toBeLessThan(windows[i - 1]!.start.getTime());
      expect(windows[i - 1]!.start.getTime() - windows[i]!.end.getTime()).toBeLessThanOrEqual(1_000);
    }
    expect(windows[0]!.end.getTime()).toBeGreaterThan(START.getTime());
    expect(windows.at(-1)!.start.getTime()).toBe(START.getTime() - 90 * DAY_MS);
  });

  it('stops at the window that holds the order, and ignores other orders in the answer', async () => {
    const wdt = scriptedWdt();
    const order = buildOrder({ stockinNo: ORDER });
    wdt.next(
      'queryStockin',
      { kind: 'ok', data: [buildOrder({ stockinNo: 'RK2024050100999' })], durationMs: 1 },
      { kind: 'ok', data: [buildOrder({ stockinNo: 'RK2024050100999' }), order], durationMs: 1 },
    );

    expect(await lookupOrder(wdt, ORDER, { now: START, days: 90 })).toEqual({ kind: 'found', order });
    expect(wdt.callsOf('queryStockin')).toHaveLength(2);
  });

  it('gives up at the first failed query and says why', async () => {
    const wdt = scriptedWdt();
    const outcome = {
      kind: 'rate_limited',
      message: '超过每分钟最大调用次数',
      attempts: 3,
      durationMs: 1,
    } as const;
    wdt.next('queryStockin', outcome);

    expect(await lookupOrder(wdt, ORDER, { now: START, days: 90 })).toEqual({ kind: 'error', outcome });
    expect(wdt.callsOf('queryStockin')).toHaveLength(1);
  });

  it('does not look before notBefore', async () => {
    const wdt = scriptedWdt();
    const notBefore = new Date(START.getTime() - 2 * DAY_MS);

    await lookupOrder(wdt, ORDER, { now: START, days: 90, notBefore });

    expect(wdt.callsOf('queryStockin').map((c) => c.query.start)).toEqual([notBefore]);
  });
});

describe('checking an order before its dialog and its call', () => {
  it('lets only an order in editing state be cancelled', async () => {
    const wdt = scriptedWdt({ orders: [buildOrder({ stockinNo: ORDER })] });
    const check = await checkOrder(wdt, ORDER, START, settings);
    expect(check).toMatchObject({
      verdict: 'cancellable',
      confirmable: true,
      status: STOCKIN_STATUS.editing,
    });
    expect(checkDetail(check)).toBe('order in status 20 编辑中 (editing)');
  });

  it.each([
    STOCKIN_STATUS.cancelled,
    STOCKIN_STATUS.pendingReview,
    STOCKIN_STATUS.pendingQc,
    STOCKIN_STATUS.qcConfirmed,
    STOCKIN_STATUS.completed,
  ])('never sends a cancel for an order in status %i', async (status) => {
    const wdt = scriptedWdt({ orders: [buildOrder({ stockinNo: ORDER, status })] });
    const check = await checkOrder(wdt, ORDER, START, settings);
    expect(check).toMatchObject({ verdict: 'not_cancellable', confirmable: false, status });
    expect(checkDetail(check)).toMatch(/^not cancellable: order is in status \d+ .*; no cancel was sent$/);
  });

  it('blocks an order not found unless unverified cancels are allowed', async () => {
    const strict = await checkOrder(scriptedWdt(), ORDER, START, settings);
    expect(strict).toMatchObject({ verdict: 'not_found', confirmable: false, status: null });
    expect(checkDetail(strict)).toBe('not found in the last 30 days');
    const lenient = await checkOrder(scriptedWdt(), ORDER, START, { ...settings, allowUnverified: true });
    expect(lenient).toMatchObject({ verdict: 'not_found', confirmable: true });
  });

  it('does not block on a failed look-up (WDT itself refuses outside editing state), and says why', async () => {
    const wdt = scriptedWdt();
    wdt.next('queryStockin', { kind: 'protocol_error', httpStatus: 502, reason: 'HTML body', durationMs: 1 });
    const check = await checkOrder(wdt, ORDER, START, settings);
    expect(check).toMatchObject({ verdict: 'lookup_failed', confirmable: true, status: null });
    expect(checkDetail(check)).toBe('status look-up failed: HTTP 502: HTML body');
  });
});
