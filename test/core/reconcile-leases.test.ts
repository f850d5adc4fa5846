import { describe, expect, it } from 'vitest';
import type { AttemptRecord, AuditStore } from '../../src/core/ports/audit.js';
import { STOCKIN_STATUS } from '../../src/core/purchase-stockin.js';
import { reconcileStuckCalls } from '../../src/core/reconcile.js';
import { createLogger } from '../../src/logger.js';
import { manualClock } from '../support/core-harness.js';
import { lockedCall } from '../support/locked-call.js';
import { createMemoryAuditDatabase, openMemoryAuditStore } from '../support/memory-audit-store.js';
import { buildOrder, scriptedWdt } from '../support/scripted-wdt.js';

const MIN_AGE_MS = 5 * 60_000;
const SELF = '01INSTANCESELF';
const DEAD = '01INSTANCEDEAD';
const LIVE = '01INSTANCELIVE';
let orderSeq = 0;

/** A `calling` attempt holding its order's lock, made by `instanceId` (none: from before leases). */
async function callBy(store: AuditStore, instanceId: string | undefined): Promise<AttemptRecord> {
  orderSeq += 1;
  const orderNo = `RK20240501${String(orderSeq).padStart(5, '0')}`;
  return lockedCall(store, { attemptId: `01CALL${orderNo}`, orderNo, ...(instanceId ? { instanceId } : {}) });
}

async function setUp(knowsWhoIsLive = true) {
  const store = openMemoryAuditStore(createMemoryAuditDatabase());
  await store.renewLease(SELF, 60_000);
  await store.renewLease(LIVE, 60_000);
  await store.renewLease(DEAD, 60_000);
  await store.dropLease(DEAD);
  const calls = {
    self: await callBy(store, SELF),
    live: await callBy(store, LIVE),
    dead: await callBy(store, DEAD),
    legacy: await callBy(store, undefined),
  };
  const orders = Object.values(calls).map((c) => buildOrder({ stockinNo: c.orderNo!, status: 20 }));
  const wdt = scriptedWdt({ orders });
  const announced: AttemptRecord[] = [];
  const run = () =>
    reconcileStuckCalls({
      wdt,
      audit: store,
      clock: manualClock(),
      logger: createLogger({ level: 'silent' }),
      announce: async (record) => announced.push(record),
      minAgeMs: MIN_AGE_MS,
      lease: { instanceId: SELF, knowsWhoIsLive: () => knowsWhoIsLive },
    });
  return { store, calls, announced, run };
}

describe('reconciling by instance leases', () => {
  it('reconciles at once only the call whose process has no live lease', async () => {
    const { calls, announced, run, store } = await setUp();
    const report = await run();

    expect(report.reconciled.map((r) => r.attemptId)).toEqual([calls.dead.attemptId]);
    expect(report.reconciled[0]).toMatchObject({
      state: 'reconciled_not_cancelled',
      statusAfter: STOCKIN_STATUS.editing,
      instanceId: DEAD,
    });
    expect(announced.map((r) => r.attemptId)).toEqual([calls.dead.attemptId]);
    expect(new Set(report.pending)).toEqual(
      new Set([calls.self.attemptId, calls.live.attemptId, calls.legacy.attemptId]),
    );
    expect((await store.heldLocks()).map((l) => l.attemptId)).not.toContain(calls.dead.attemptId);
  });

  it('an expired lease counts as dead like a dropped one', async () => {
    const { store, calls, run } = await setUp();
    await store.renewLease(LIVE, 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const report = await run();
    expect(new Set(report.reconciled.map((r) => r.attemptId))).toEqual(
      new Set([calls.dead.attemptId, calls.live.attemptId]),
    );
  });

  it('judges nobody while its own knowledge of who is live is stale', async () => {
    const { run } = await setUp(false);
    const report = await run();
    expect(report.reconciled).toEqual([]);
    expect(report.pending).toHaveLength(4);
  });

  it('never takes its own calls for orphaned, even when its own lease is missing', async () => {
    const { store, calls, run } = await setUp();
    await store.dropLease(SELF);
    const report = await run();
    expect(report.reconciled.map((r) => r.attemptId)).toEqual([calls.dead.attemptId]);
    expect(report.pending).toContain(calls.self.attemptId);
  });
});
