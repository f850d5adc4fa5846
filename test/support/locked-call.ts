import { expect } from 'vitest';
import { advance, newAttempt } from '../../src/core/attempt.js';
import type { AttemptRecord, AuditStore } from '../../src/core/ports/audit.js';
import { START } from './core-harness.js';

/**
 * An attempt whose WDT call has begun (`calling`, holding its order's lock) and never finished, as a process
 * that stopped mid-call leaves it; made by `instanceId` (behind fences), or, without one, as a release from
 * before instance leases and fences left it.
 */
export async function lockedCall(
  store: AuditStore,
  fields: { attemptId: string; orderNo: string; instanceId?: string },
): Promise<AttemptRecord> {
  const requested = newAttempt({
    attemptId: fields.attemptId,
    batchId: fields.attemptId,
    teamId: 'T0TEAM',
    channelId: 'C0STOCKOPS',
    requesterId: 'U0ALICE',
    orderNo: fields.orderNo,
    wdtHost: 'sandbox.wangdian.cn',
    state: 'requested',
    at: START,
  });
  const confirmed = advance(requested, 'confirmed', START, { reason: 'x', approvalRequested: false });
  const calling = advance(
    confirmed,
    'calling',
    START,
    fields.instanceId ? { instanceId: fields.instanceId, sendFence: true } : {},
  );
  const written = await store.write(
    [
      { from: null, record: requested },
      { from: 'requested', record: confirmed },
      { from: 'confirmed', record: calling },
    ],
    START,
  );
  expect(written.ok).toBe(true);
  return calling;
}
