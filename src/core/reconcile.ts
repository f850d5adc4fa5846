import type { Logger } from 'pino';
import { advance } from './attempt.js';
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
   * Only attempts that have been `calling` for longer than the longest a WDT call can take (with its retries)
   * are stuck; younger ones may still be running in this or another replica.
   */
  minAgeMs: number;
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
  for (const stuck of await audit.findStuckCalling()) {
    const calledAt = new Date(
      stuck.stateTimes.calling ?? stuck.stateTimes.requested ?? clock.now().toISOString(),
    );
    if (clock.now().getTime() - calledAt.getTime() < deps.minAgeMs) {
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
    logger.info({ attemptId: record.attemptId, orderNo: record.orderNo, state }, 'reconciled a stuck cancel');
    await deps.announce(record);
    report.reconciled.push(record);
  }
  return report;
}
