import type { Logger } from 'pino';
import { advance } from './attempt.js';
import type { InstanceLease } from './instance-lease.js';
import { lookupOrder } from './order-lookup.js';
import type { AttemptRecord, AuditStore } from './ports/audit.js';
import type { Clock } from './ports/clock.js';
import type { WdtPort } from './ports/wdt.js';
import { STOCKIN_STATUS } from './purchase-stockin.js';

export interface ReconcileDeps {
  wdt: WdtPort;
  audit: AuditStore;
  clock: Clock;
  logger: Logger;
  announce: (record: AttemptRecord) => Promise<unknown>;
  /**
   * An attempt whose process is not known to be dead is stuck only once it has been `calling` for longer
   * than the longest a WDT call can take (with its retries): younger ones may still be running.
   */
  minAgeMs: number;
  /**
   * This process's lease (issue 18): an attempt stamped with another instance whose lease is not live is
   * orphaned, and reconciled at once, without waiting `minAgeMs`.
   */
  lease?: Pick<InstanceLease, 'instanceId' | 'knowsWhoIsLive'>;
}

export interface ReconcileReport {
  reconciled: AttemptRecord[];
  /** Still stuck: WDT could not be asked, or did not show the order. Tried again on the next pass. */
  pending: string[];
}

/**
 * After a crash between the WDT call and its recorded outcome, the attempt stays in `calling` and holds its
 * order's lock. This asks WDT for the order's real status (never re-sends the cancel), records what it saw,
 * releases the lock and posts a follow-up to the original channel.
 */
export async function reconcileStuckCalls(deps: ReconcileDeps): Promise<ReconcileReport> {
  const { wdt, audit, clock, logger } = deps;
  const report: ReconcileReport = { reconciled: [], pending: [] };
  const stuckCalls = await audit.findStuckCalling();
  const orphaned = await orphanedBy(deps, stuckCalls);
  for (const stuck of stuckCalls) {
    const calledAt = new Date(
      stuck.stateTimes.calling ?? stuck.stateTimes.requested ?? clock.now().toISOString(),
    );
    if (!orphaned(stuck) && clock.now().getTime() - calledAt.getTime() < deps.minAgeMs) {
      report.pending.push(stuck.attemptId);
      continue;
    }
    const lookup = await lookupOrder(wdt, stuck.orderNo ?? '', {
      now: clock.now(),
      days: 90,
      notBefore: new Date(calledAt.getTime() - 90 * 86_400_000),
    });
    if (lookup.kind !== 'found') {
      logger.warn(
        { attemptId: stuck.attemptId, orderNo: stuck.orderNo, lookup: lookup.kind },
        'stuck cancel not reconciled yet',
      );
      report.pending.push(stuck.attemptId);
      continue;
    }
    // Several replicas may find the same stuck attempt; one records and announces it.
    if (!(await audit.claimOnce(`reconcile:${stuck.attemptId}`, clock.now()))) continue;
    const status = lookup.order.status;
    const state = status === STOCKIN_STATUS.cancelled ? 'reconciled_cancelled' : 'reconciled_not_cancelled';
    const at = clock.now();
    const record = advance(stuck, state, at, {
      statusAfter: status,
      detail: `process stopped during the WDT call; WDT reports status ${status}`,
    });

    await audit.finishCall(state, record, at);
    logger.info(
      {
        attemptId: record.attemptId,
        orderNo: record.orderNo,
        state,
        owner: stuck.instanceId ?? null,
        ownerDead: orphaned(stuck),
      },
      'reconciled a stuck cancel',
    );
    await deps.announce(record);
    report.reconciled.push(record);
  }
  return report;
}

/**
 * Which stuck attempts' processes are known to be dead: those stamped with an instance whose lease is not
 * live. Never this process's own, never on stale knowledge of who is live (then every attempt waits for the
 * age rule), and never an attempt from before leases (no instance id).
 */
async function orphanedBy(
  deps: ReconcileDeps,
  stuckCalls: readonly AttemptRecord[],
): Promise<(record: AttemptRecord) => boolean> {
  const { lease } = deps;
  const others = (record: AttemptRecord) =>
    record.instanceId !== undefined && record.instanceId !== lease?.instanceId;
  if (!lease || !stuckCalls.some(others) || !lease.knowsWhoIsLive()) return () => false;
  const live = new Set((await deps.audit.leases()).filter((l) => l.live).map((l) => l.instanceId));
  return (record) => others(record) && !live.has(record.instanceId!);
}
