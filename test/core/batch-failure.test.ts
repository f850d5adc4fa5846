import { describe, expect, it } from 'vitest';
import { coreHarness, REQUESTER } from '../support/core-harness.js';
import { buildOrder } from '../support/scripted-wdt.js';

const ORDERS = ['RK2024050100011', 'RK2024050100012', 'RK2024050100013'];

describe('a batch whose store fails part-way', () => {
  it('begins no order after the failure, finishes and records the one in flight, and only then answers', async () => {
    const core = coreHarness({
      orders: ORDERS.map((stockinNo) => buildOrder({ stockinNo })),
      wrapStore: (store) => ({
        ...store,
        write: (transitions, at, owed) =>
          transitions.some((t) => t.record.state === 'calling' && t.record.orderNo === ORDERS[1])
            ? Promise.reject(new Error('database connection lost'))
            : store.write(transitions, at, owed),
      }),
    });
    const attemptIds = await core.requestAndPreview(ORDERS);
    let land: () => void = () => undefined;
    // The first order's cancel is in flight at WDT when the second order's write fails.
    core.wdt.next('cancelStockin', async () => {
      await new Promise<void>((resolve) => (land = resolve));
      return { kind: 'ok', data: null, durationMs: 5 };
    });

    let answered = false;
    const confirming = core.cancel
      .confirm({ attemptIds, userId: REQUESTER, reason: 'batch' })
      .finally(() => (answered = true));
    await expect.poll(() => core.wdt.callsOf('cancelStockin').length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The second order failed meanwhile; the batch still waits for the first, still at WDT.
    expect(answered).toBe(false);

    land();
    const result = await confirming;
    expect(result.kind).toBe('batch_finished');
    const states = await Promise.all(attemptIds.map(async (id) => (await core.store.findAttempt(id))?.state));
    // First cancelled and recorded; second not sent (its write failed); third never begun.
    expect(states).toEqual(['cancelled', 'confirmed', 'confirmed']);
    expect(core.wdt.callsOf('cancelStockin').map((c) => c.stockinNo)).toEqual([ORDERS[0]]);
    expect(await core.store.heldLocks()).toEqual([]);
  });
});
