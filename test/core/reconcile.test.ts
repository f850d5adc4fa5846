import { describe, expect, it } from 'vitest';
import type { AttemptRecord, AuditStore } from '../../src/core/ports/audit.js';
import { STOCKIN_STATUS } from '../../src/core/purchase-stockin.js';
import { type ReconcileDeps, reconcileHeldCalls } from '../../src/core/reconcile.js';
import { ACCEPT_FOR_MS } from '../../src/core/send-fence.js';
import { createLogger } from '../../src/logger.js';
import { manualClock } from '../support/core-harness.js';
import { lockedCall } from '../support/locked-call.js';
import {
  createMemoryAuditDatabase,
  openMemoryAuditStore,
  owedOutcomePosts,
} from '../support/memory-audit-store.js';
import { buildOrder, scriptedWdt } from '../support/scripted-wdt.js';

const ORDER = 'RK2024050100001';
const LONGEST_MS = 10 * 60_000;
const SELF = '01INSTANCESELF';
const OWNER = '01INSTANCEOWNER';
const LEASE_MS = 5_000;

/**
 * A store on a clock the test moves, a WDT that shows ORDER in `status`, and a reconciler of this process
 * (SELF). OWNER's call is made by another process whose lease the test renews or lets lapse.
 */
function rig(status: number | null = STOCKIN_STATUS.editing) {
  const clock = manualClock();
  const database = createMemoryAuditDatabase(clock.now);
  const store = openMemoryAuditStore(database);
  const announced = () => owedOutcomePosts(database);
  const wdt = scriptedWdt({
    orders: status === null ? [] : [buildOrder({ stockinNo: ORDER, status })],
    now: clock.now,
  });
  const runningHere = new Set<string>();
  const deps: ReconcileDeps = {
    wdt,
    audit: store,
    clock,
    logger: createLogger({ level: 'silent' }),
    longestCallMs: LONGEST_MS,
    lease: { instanceId: SELF, knowsWhoIsLive: () => true },
    isRunningHere: (attemptId) => runningHere.has(attemptId),
  };
  return {
    clock,
    store,
    wdt,
    announced,
    runningHere,
    run: () => reconcileHeldCalls(deps),
    /** A call OWNER made (its lease live for LEASE_MS from now), optionally having passed a fence. */
    async ownersCall(fenced: boolean): Promise<AttemptRecord> {
      await store.renewLease(OWNER, LEASE_MS);
      const call = await lockedCall(store, { attemptId: '01OWNERCALL', orderNo: ORDER, instanceId: OWNER });
      if (fenced) {
        const fence = await store.fence({
          attemptId: call.attemptId,
          orderNo: ORDER,
          instanceId: OWNER,
          signingAt: clock.now(),
          acceptForMs: ACCEPT_FOR_MS,
        });
        expect(fence.ok).toBe(true);
      }
      return call;
    },
    /** Whether another attempt could take the order's lock now. */
    async lockFree(): Promise<boolean> {
      return !(await store.heldLocks()).some((lock) => lock.orderNo === ORDER);
    },
  };
}

const stateOf = async (store: AuditStore, attemptId: string) => (await store.findAttempt(attemptId))?.state;

describe('reconciling the call of a process that let its lease lapse', () => {
  it('records reconciled_cancelled at once when WDT shows the order cancelled, frees the order, announces it', async () => {
    const r = rig(STOCKIN_STATUS.cancelled);
    const call = await r.ownersCall(true);
    r.clock.advance(LEASE_MS);

    const report = await r.run();

    expect(report.reconciled).toMatchObject([{ attemptId: call.attemptId, state: 'reconciled_cancelled' }]);
    expect(r.announced().map((a) => a.state)).toEqual(['reconciled_cancelled']);
    expect(await r.lockFree()).toBe(true);
    expect(r.wdt.callsOf('cancelStockin')).toEqual([]);
  });

  it('keeps the order locked while a request the owner signed could still reach WDT, tells people when the verdict comes, then gives it', async () => {
    const r = rig(STOCKIN_STATUS.editing);
    const call = await r.ownersCall(true);
    const [fenced] = await r.store.heldCalls();
    r.clock.advance(LEASE_MS);

    const first = await r.run();

    expect(first.reconciled).toEqual([]);
    expect(first.awaiting).toMatchObject([
      { attemptId: call.attemptId, state: 'awaiting_verdict', statusAfter: STOCKIN_STATUS.editing },
    ]);
    // The verdict waits until WDT can no longer accept what the owner signed after its fence.
    expect(first.awaiting[0]!.verdictAfter).toBe(fenced!.acceptUntil);
    expect(r.announced().map((a) => a.state)).toEqual(['awaiting_verdict']);
    expect(await r.lockFree()).toBe(false);

    r.clock.advance(Date.parse(fenced!.acceptUntil!) - r.clock.now().getTime() - 1);
    expect(await r.run()).toMatchObject({ reconciled: [], pending: [call.attemptId] });
    expect(await r.lockFree()).toBe(false);

    r.clock.advance(1);
    const last = await r.run();
    expect(last.reconciled).toMatchObject([
      { attemptId: call.attemptId, state: 'reconciled_not_cancelled', statusAfter: STOCKIN_STATUS.editing },
    ]);
    expect(r.announced().map((a) => a.state)).toEqual(['awaiting_verdict', 'reconciled_not_cancelled']);
    expect(await r.lockFree()).toBe(true);
    expect(r.wdt.callsOf('cancelStockin')).toEqual([]);
  });

  it('gives the verdict in the same pass when the owner never signed a request', async () => {
    const r = rig(STOCKIN_STATUS.editing);
    const call = await r.ownersCall(false);
    r.clock.advance(LEASE_MS);

    const report = await r.run();

    expect(report.reconciled).toMatchObject([
      { attemptId: call.attemptId, state: 'reconciled_not_cancelled' },
    ]);
    // Both owed in one pass: the interim one is superseded by the verdict before anyone delivers it.
    expect(r.announced().map((a) => a.state)).toEqual(['awaiting_verdict', 'reconciled_not_cancelled']);
    expect(await r.lockFree()).toBe(true);
  });

  it('the verdict follows WDT when the signed cancel arrives while the verdict waits', async () => {
    const r = rig(STOCKIN_STATUS.editing);
    const call = await r.ownersCall(true);
    r.clock.advance(LEASE_MS);
    await r.run();
    // The owner's request, signed before it froze, reaches WDT now.
    r.wdt.orders.get(ORDER)!.status = STOCKIN_STATUS.cancelled;

    const report = await r.run();

    expect(report.reconciled).toMatchObject([{ attemptId: call.attemptId, state: 'reconciled_cancelled' }]);
    expect(await r.lockFree()).toBe(true);
  });

  it.each([
    ['the look-up failed', STOCKIN_STATUS.editing, true],
    ['the order was not found', null, false],
  ] as const)(
    'keeps the order locked and says nothing final when WDT cannot say: %s',
    async (_, status, fails) => {
      const r = rig(status);
      const call = await r.ownersCall(false);
      r.clock.advance(LEASE_MS);
      if (fails) {
        const down = { kind: 'not_sent', reason: 'connect ECONNREFUSED', durationMs: 1 } as const;
        r.wdt.next('queryStockin', down, down, down, down);
      }

      const report = await r.run();

      expect(report.reconciled).toEqual([]);
      expect(report.pending).toContain(call.attemptId);
      expect(await stateOf(r.store, call.attemptId)).toBe('awaiting_verdict');
      expect(await r.lockFree()).toBe(false);
      expect(r.announced().some((a) => a.state === 'reconciled_not_cancelled')).toBe(false);
    },
  );
});

describe('calls that may still be running', () => {
  it('leaves a live process’s young call alone and does not ask WDT', async () => {
    const r = rig();
    const call = await r.ownersCall(true);
    r.clock.advance(LEASE_MS - 1);

    expect(await r.run()).toEqual({ reconciled: [], awaiting: [], pending: [call.attemptId] });
    expect(r.wdt.calls).toEqual([]);
  });

  it('takes over a call held longer than the longest a call can take, by the database’s clock, even if its process is live', async () => {
    const r = rig(STOCKIN_STATUS.editing);
    const call = await r.ownersCall(true);
    r.clock.advance(LONGEST_MS);
    await r.store.renewLease(OWNER, LEASE_MS);

    const report = await r.run();

    expect([...report.awaiting, ...report.reconciled].map((a) => a.attemptId)).toEqual([call.attemptId]);
    expect(await stateOf(r.store, call.attemptId)).not.toBe('calling');
  });

  it('never takes over a call this process is making, however old', async () => {
    const r = rig();
    const call = await r.ownersCall(true);
    r.runningHere.add(call.attemptId);
    r.clock.advance(LONGEST_MS * 2);

    await r.run();

    expect(await stateOf(r.store, call.attemptId)).toBe('calling');
    expect(r.wdt.calls).toEqual([]);
  });

  it('judges nobody while its own knowledge of who is live is stale', async () => {
    const r = rig();
    const call = await r.ownersCall(true);
    r.clock.advance(LEASE_MS);
    const report = await reconcileHeldCalls({
      wdt: r.wdt,
      audit: r.store,
      clock: r.clock,
      logger: createLogger({ level: 'silent' }),
      longestCallMs: LONGEST_MS,
      lease: { instanceId: SELF, knowsWhoIsLive: () => false },
      isRunningHere: () => false,
    });
    expect(report.pending).toEqual([call.attemptId]);
    expect(await stateOf(r.store, call.attemptId)).toBe('calling');
  });
});

describe('a call from the release before fences', () => {
  it('is taken over only once older than the longest call, and its verdict waits for the longest call plus WDT’s window', async () => {
    const r = rig(STOCKIN_STATUS.editing);
    const legacy = await lockedCall(r.store, { attemptId: '01LEGACY', orderNo: ORDER });
    const lockedAt = r.clock.now().getTime();

    r.clock.advance(LONGEST_MS - 1);
    expect((await r.run()).pending).toEqual([legacy.attemptId]);

    r.clock.advance(1);
    const report = await r.run();
    expect(report.awaiting).toMatchObject([{ attemptId: legacy.attemptId, state: 'awaiting_verdict' }]);
    expect(Date.parse(report.awaiting[0]!.verdictAfter!)).toBe(lockedAt + LONGEST_MS + ACCEPT_FOR_MS);

    r.clock.advance(ACCEPT_FOR_MS);
    expect((await r.run()).reconciled).toMatchObject([{ state: 'reconciled_not_cancelled' }]);
  });
});
