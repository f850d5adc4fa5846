import type { Logger } from 'pino';
import { advance } from './attempt.js';
import type { InstanceLease } from './instance-lease.js';
import { lookupOrder } from './order-lookup.js';
import type { AttemptRecord, AuditStore, HeldLock } from './ports/audit.js';
import type { Clock } from './ports/clock.js';
import type { WdtPort } from './ports/wdt.js';
import { STOCKIN_STATUS } from './purchase-stockin.js';
import type { RefusedRequest } from './refused-request.js';

const DAY_MS = 86_400_000;

export interface UnlockRequest {
  orderNo: string;
  adminId: string;
  teamId: string | null;
  channelId: string;
  /** Required only when WDT cannot say what became of the call. */
  reason: string | null;
}

export type UnlockResult =
  | { kind: 'not_locked' }
  /** The holder's call may still be running: its process is live and the call younger than the longest. */
  | { kind: 'in_progress'; lock: HeldLock }
  /** This process does not know who is live right now (its own lease is not current): nothing changed. */
  | { kind: 'cannot_tell'; lock: HeldLock }
  /** WDT could not say what became of the call, and no reason was given: nothing changed. */
  | { kind: 'reason_required'; lock: HeldLock; why: string }
  /** Another process closed the attempt first (the reconciler, or another unlock). */
  | { kind: 'already_released'; lock: HeldLock }
  | { kind: 'released'; record: AttemptRecord };

export type UnlockOrder = (request: UnlockRequest) => Promise<UnlockResult>;

/**
 * An operator's `unlock RK…` (issue 18): releases an order whose lock is held by an attempt that no live
 * process is running. WDT is asked for the order's status first (a query, never a cancel) and what it says
 * is recorded, as the reconciler would; only when WDT cannot say is the lock released unverified, and then
 * only with the operator's reason. The follow-up goes where the reconciler's would.
 */
export function createUnlockOrder(deps: {
  wdt: WdtPort;
  audit: AuditStore;
  clock: Clock;
  logger: Logger;
  lease: Pick<InstanceLease, 'instanceId' | 'knowsWhoIsLive'>;
  /** The longest a call can take: a `calling` attempt older than this runs nowhere, whoever made it. */
  longestCallMs: number;
  announce: (record: AttemptRecord) => Promise<unknown>;
  /** Records an unlock that changed nothing (a `denied` entry naming the order and why). */
  recordRefusal: (request: RefusedRequest) => Promise<void>;
}): UnlockOrder {
  const { wdt, audit, clock, logger } = deps;

  /** Null when no live process can be running the holder's call; otherwise why it may be. */
  async function runningWhere(lock: HeldLock): Promise<'in_progress' | 'cannot_tell' | null> {
    const record = lock.record;
    if (record?.state !== 'calling') return null;
    const calledAt = Date.parse(record.stateTimes.calling ?? lock.since);
    if (clock.now().getTime() - calledAt >= deps.longestCallMs) return null;
    if (record.instanceId === undefined || record.instanceId === deps.lease.instanceId) return 'in_progress';
    if (!deps.lease.knowsWhoIsLive()) return 'cannot_tell';
    const live = (await audit.leases()).some((l) => l.live && l.instanceId === record.instanceId);
    return live ? 'in_progress' : null;
  }

  return async (request) => {
    const result = await unlock(request);
    if (result.kind !== 'released') {
      await deps.recordRefusal({
        teamId: request.teamId,
        channelId: request.channelId,
        userId: request.adminId,
        orderNo: request.orderNo,
        detail: `unlock ${request.orderNo}: ${refusalDetail(result)}; nothing changed`,
      });
    }
    return result;
  };

  async function unlock({ orderNo, adminId, reason }: UnlockRequest): Promise<UnlockResult> {
    const lock = (await audit.heldLocks()).find((held) => held.orderNo === orderNo);
    if (!lock) return { kind: 'not_locked' };
    const held = lock.record;
    // The lock and its attempt are written in one transaction, and the attempt is a foreign key.
    if (!held)
      throw new Error(`the lock on ${orderNo} names attempt ${lock.attemptId}, which is not recorded`);
    const running = await runningWhere(lock);
    if (running) return { kind: running, lock };
    const calledAt = Date.parse(held.stateTimes.calling ?? lock.since);
    const lookup = await lookupOrder(wdt, orderNo, {
      now: clock.now(),
      days: 90,
      notBefore: new Date(calledAt - 90 * DAY_MS),
    });
    if (lookup.kind !== 'found' && !reason) {
      const why = lookup.kind === 'not_found' ? 'WDT does not show the order' : `WDT: ${lookup.outcome.kind}`;
      return { kind: 'reason_required', lock, why };
    }
    if (!(await audit.claimOnce(`reconcile:${lock.attemptId}`, clock.now()))) {
      return { kind: 'already_released', lock };
    }
    const at = clock.now();
    const released = { releasedBy: adminId, ...(reason ? { releaseReason: reason } : {}) };
    const record =
      lookup.kind === 'found'
        ? advance(
            held,
            lookup.order.status === STOCKIN_STATUS.cancelled
              ? 'reconciled_cancelled'
              : 'reconciled_not_cancelled',
            at,
            {
              ...released,
              statusAfter: lookup.order.status,
              detail: `lock released by an operator; WDT reports status ${lookup.order.status}`,
            },
          )
        : advance(held, 'released_unverified', at, {
            ...released,
            detail: `lock released by an operator; WDT could not say (${lookup.kind === 'not_found' ? 'order not found' : lookup.outcome.kind})`,
          });
    await audit.finishCall(record.state, record, at);
    logger.info(
      { attemptId: record.attemptId, orderNo, state: record.state, adminId },
      'an operator released an order lock',
    );
    await deps.announce(record);
    return { kind: 'released', record };
  }
}

function refusalDetail(result: Exclude<UnlockResult, { kind: 'released' }>): string {
  switch (result.kind) {
    case 'not_locked':
      return 'the order is not locked';
    case 'in_progress':
      return `attempt ${result.lock.attemptId} may still be calling WDT in a live process`;
    case 'cannot_tell':
      return 'this process could not tell which processes are live';
    case 'reason_required':
      return `${result.why}, and no reason was given`;
    case 'already_released':
      return `attempt ${result.lock.attemptId} was closed by another process first`;
  }
}
