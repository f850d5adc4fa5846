import { describe, expect, it } from 'vitest';
import type { AuditStore } from '../../src/core/ports/audit.js';
import { STOCKIN_STATUS } from '../../src/core/purchase-stockin.js';
import type { RefusedRequest } from '../../src/core/refused-request.js';
import { ACCEPT_FOR_MS } from '../../src/core/send-fence.js';
import { createUnlockOrder } from '../../src/core/unlock-order.js';
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
const SELF = '01INSTANCESELF';
const OTHER = '01INSTANCEOTHER';
const LONGEST_MS = 5 * 60_000;
const ADMIN = 'U0OPS';

const lockedBy = (store: AuditStore, instanceId: string | undefined) =>
  lockedCall(store, { attemptId: '01LOCKED', orderNo: ORDER, ...(instanceId ? { instanceId } : {}) });

function setUp(options: { status?: number | null; knowsWhoIsLive?: boolean } = {}) {
  const clock = manualClock();
  const database = createMemoryAuditDatabase(clock.now);
  const store = openMemoryAuditStore(database);
  const announced = () => owedOutcomePosts(database);
  const status = options.status === undefined ? STOCKIN_STATUS.editing : options.status;
  const wdt = scriptedWdt({ orders: status === null ? [] : [buildOrder({ stockinNo: ORDER, status })] });
  const refusals: RefusedRequest[] = [];
  const unlock = createUnlockOrder({
    wdt,
    audit: store,
    clock,
    logger: createLogger({ level: 'silent' }),
    lease: { instanceId: SELF, knowsWhoIsLive: () => options.knowsWhoIsLive ?? true },
    longestCallMs: LONGEST_MS,
    isRunningHere: () => false,
    recordRefusal: async (request) => {
      refusals.push(request);
    },
  });
  const run = (reason: string | null = null) =>
    unlock({ orderNo: ORDER, adminId: ADMIN, teamId: 'T0TEAM', channelId: 'C0OPSROOM', reason });
  return { store, clock, wdt, announced, refusals, run };
}

describe('unlock', () => {
  it('says an order that is not locked is not locked, records the attempt, and changes nothing', async () => {
    const t = setUp();
    expect(await t.run()).toEqual({ kind: 'not_locked' });
    expect(t.refusals).toEqual([
      {
        teamId: 'T0TEAM',
        channelId: 'C0OPSROOM',
        userId: ADMIN,
        orderNo: ORDER,
        detail: `unlock ${ORDER}: the order is not locked; nothing changed`,
      },
    ]);
    expect(t.wdt.calls).toEqual([]);
  });

  it('refuses while the holder’s process is live and its call young, without asking WDT', async () => {
    const t = setUp();
    await t.store.renewLease(OTHER, 60_000);
    await lockedBy(t.store, OTHER);
    expect(await t.run('stuck')).toMatchObject({ kind: 'in_progress' });
    expect((await t.store.heldLocks()).map((l) => l.attemptId)).toEqual(['01LOCKED']);
    expect(t.wdt.calls).toEqual([]);
    expect(t.refusals[0]!.detail).toMatch(/may still be calling WDT in a live process/);
  });

  it('treats this process’s own young call, and one from before leases, as in progress', async () => {
    const own = setUp();
    await own.store.renewLease(SELF, 60_000);
    await lockedBy(own.store, SELF);
    expect(await own.run()).toMatchObject({ kind: 'in_progress' });
    const legacy = setUp();
    await lockedBy(legacy.store, undefined);
    expect(await legacy.run()).toMatchObject({ kind: 'in_progress' });
  });

  it('does not judge another process while its own knowledge of who is live is stale', async () => {
    const t = setUp({ knowsWhoIsLive: false });
    await lockedBy(t.store, OTHER);
    expect(await t.run()).toMatchObject({ kind: 'cannot_tell' });
    expect(await t.store.heldLocks()).toHaveLength(1);
  });

  it('asks WDT for a dead process’s call and records what it says, with the admin as actor', async () => {
    const t = setUp({ status: STOCKIN_STATUS.cancelled });
    await lockedBy(t.store, OTHER);
    const result = await t.run();
    expect(result).toMatchObject({
      kind: 'released',
      record: { state: 'reconciled_cancelled', releasedBy: ADMIN, statusAfter: STOCKIN_STATUS.cancelled },
    });
    expect(t.wdt.callsOf('cancelStockin')).toEqual([]);
    expect(t.wdt.callsOf('queryStockin').length).toBeGreaterThan(0);
    expect(await t.store.heldLocks()).toEqual([]);
    expect(t.announced().map((r) => r.state)).toEqual(['reconciled_cancelled']);
    expect(t.refusals).toEqual([]);
  });

  it('releases a live process’s call once it is older than the longest call', async () => {
    const t = setUp();
    await t.store.renewLease(OTHER, 60 * 60_000);
    await lockedBy(t.store, OTHER);
    t.clock.advance(LONGEST_MS);
    expect(await t.run()).toMatchObject({ kind: 'released', record: { state: 'reconciled_not_cancelled' } });
  });

  it('when WDT cannot say, asks for a reason, then releases unverified with it', async () => {
    const t = setUp({ status: null });
    await lockedBy(t.store, OTHER);
    expect(await t.run()).toMatchObject({ kind: 'reason_required' });
    expect(await t.store.heldLocks()).toHaveLength(1);
    // Taken over: what WDT shows is told, and that the lock stays until WDT can say or a reason is given.
    expect(t.announced().map((r) => r.state)).toEqual(['awaiting_verdict']);

    const result = await t.run('WDT support confirmed nothing happened');
    expect(result).toMatchObject({
      kind: 'released',
      record: {
        state: 'released_unverified',
        releasedBy: ADMIN,
        releaseReason: 'WDT support confirmed nothing happened',
      },
    });
    expect(await t.store.heldLocks()).toEqual([]);
    const history = await t.store.orderHistory(ORDER);
    expect(history.map((e) => e.event)).toEqual([
      'requested',
      'confirmed',
      'calling',
      'awaiting_verdict',
      'released_unverified',
    ]);
  });

  it('keeps the lock while WDT may still accept a request the call signed, and releases it with the verdict after', async () => {
    const t = setUp({ status: STOCKIN_STATUS.editing });
    const call = await lockedBy(t.store, OTHER);
    const fence = await t.store.fence({
      attemptId: call.attemptId,
      orderNo: ORDER,
      instanceId: OTHER,
      signingAt: t.clock.now(),
      acceptForMs: ACCEPT_FOR_MS,
    });
    // The lease is live at the fence, then lapses (the process froze after signing).
    expect(fence).toMatchObject({ ok: false, reason: 'lease_expired' });
    await t.store.renewLease(OTHER, 1);
    const signed = await t.store.fence({
      attemptId: call.attemptId,
      orderNo: ORDER,
      instanceId: OTHER,
      signingAt: t.clock.now(),
      acceptForMs: ACCEPT_FOR_MS,
    });
    expect(signed.ok).toBe(true);
    t.clock.advance(1);

    const held = await t.run();
    expect(held).toMatchObject({ kind: 'held_until', until: signed.ok ? signed.acceptUntil : '' });
    expect(await t.store.heldLocks()).toHaveLength(1);
    expect(t.announced().map((r) => r.state)).toEqual(['awaiting_verdict']);
    expect(t.refusals[0]!.detail).toMatch(/may still accept a request/);

    t.clock.advance(ACCEPT_FOR_MS);
    expect(await t.run()).toMatchObject({ kind: 'released', record: { state: 'reconciled_not_cancelled' } });
    expect(await t.store.heldLocks()).toEqual([]);
  });

  it('leaves an attempt another process has just reconciled to it', async () => {
    const t = setUp();
    await lockedBy(t.store, OTHER);
    // What this process read, before another process took the call over and gave its verdict.
    const stale = await t.store.heldCalls();
    const unlockSeeingStale = createUnlockOrder({
      wdt: t.wdt,
      audit: { ...t.store, heldCalls: async () => stale },
      clock: t.clock,
      logger: createLogger({ level: 'silent' }),
      lease: { instanceId: SELF, knowsWhoIsLive: () => true },
      longestCallMs: LONGEST_MS,
      isRunningHere: () => false,
      recordRefusal: async () => undefined,
    });
    await createUnlockOrder({
      wdt: t.wdt,
      audit: t.store,
      clock: t.clock,
      logger: createLogger({ level: 'silent' }),
      lease: { instanceId: SELF, knowsWhoIsLive: () => true },
      longestCallMs: LONGEST_MS,
      isRunningHere: () => false,
      recordRefusal: async () => undefined,
    })({ orderNo: ORDER, adminId: 'U0OTHERADMIN', teamId: null, channelId: 'C0OPSROOM', reason: null });
    const writes = (await t.store.orderHistory(ORDER)).length;

    expect(
      await unlockSeeingStale({
        orderNo: ORDER,
        adminId: ADMIN,
        teamId: null,
        channelId: 'C0OPSROOM',
        reason: null,
      }),
    ).toMatchObject({ kind: 'already_released' });
    expect((await t.store.orderHistory(ORDER)).length).toBe(writes);
  });
});
