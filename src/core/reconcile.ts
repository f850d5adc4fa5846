import type { Logger } from 'pino';
import type { InstanceLease } from './instance-lease.js';
import type { AttemptRecord, AuditStore, HeldCall } from './ports/audit.js';
import type { Clock } from './ports/clock.js';
import type { WdtPort } from './ports/wdt.js';
import { isCancelledAtWdt, lookupHeld, recordCancelled, settleVerdict, takeOver } from './verdict.js';

export interface ReconcileDeps {
  wdt: WdtPort;
  audit: AuditStore;
  clock: Clock;
  logger: Logger;
  /**
   * The longest one call can take, with every retry: a call held longer than this (by the database's clock)
   * runs nowhere, whoever made it, and is taken over.
   */
  longestCallMs: number;
  /** This process's lease: another instance's call is taken over once its lease has lapsed. */
  lease: Pick<InstanceLease, 'instanceId' | 'knowsWhoIsLive'>;
  /** Whether this process is making the attempt's call right now: never taken over here. */
  isRunningHere: (attemptId: string) => boolean;
}

export interface ReconcileReport {
  /** Given their final verdict in this pass. */
  reconciled: AttemptRecord[];
  /** Taken over, or left by their process without an answer: the verdict waits until WDT can no longer accept. */
  awaiting: AttemptRecord[];
  /** Still running somewhere, not due yet, or WDT could not say: looked at again next pass. */
  pending: string[];
}

/** Why a call is taken over, as the audit record says it. */
const TAKEOVER_DETAIL = {
  owner_lapsed:
    'the process making the call stopped renewing its lease (it stopped, froze or lost the database); this process took the call over',
  too_old: 'the call was held longer than the longest a call can take; this process took it over',
} as const;

/**
 * Every order lock belongs to an attempt whose call is running or whose outcome is not known. This finds the
 * calls nobody is running any more (their process's lease lapsed, or they are older than any call can be)
 * and the attempts waiting for a verdict, asks WDT (a query, never a cancel) and records what it says: at
 * once when WDT shows the order cancelled, otherwise only once no request the attempt signed can still be
 * accepted by WDT. Every move is a compare-and-set, so replicas doing the same pass never both write.
 */
export async function reconcileHeldCalls(deps: ReconcileDeps): Promise<ReconcileReport> {
  const { logger } = deps;
  const report: ReconcileReport = { reconciled: [], awaiting: [], pending: [] };
  const held = await deps.audit.heldCalls();
  const lapsed = ownersLapsed(deps, held);
  for (const call of held) {
    const { record } = call;
    if (deps.isRunningHere(record.attemptId)) continue;
    const cause = record.state === 'calling' ? takeoverCause(deps, call, lapsed) : null;
    if (record.state === 'calling' && !cause) {
      report.pending.push(record.attemptId);
      continue;
    }
    const lookup = await lookupHeld(deps, call);
    if (isCancelledAtWdt(lookup)) {
      const detail = `${cause ? TAKEOVER_DETAIL[cause] : 'verdict asked of WDT'}; WDT reports the order cancelled`;
      const done = await recordCancelled(deps, record, { detail });
      if (done) await finished(deps, report, done, cause);
      continue;
    }
    if (cause) {
      const statusNow = lookup.kind === 'found' ? lookup.order.status : null;
      const parked = await takeOver(deps, call, { statusAfter: statusNow, detail: TAKEOVER_DETAIL[cause] });
      if (!parked) continue;
      logger.warn(
        { attemptId: record.attemptId, orderNo: record.orderNo, owner: record.instanceId ?? null, cause },
        'took over a call: its verdict waits until WDT can no longer accept what it signed',
      );
    }
    const verdict = await settleVerdict(deps, record.attemptId, {});
    switch (verdict.kind) {
      case 'final':
        await finished(deps, report, verdict.record, cause);
        break;
      case 'not_due': {
        const awaiting = cause ? await deps.audit.findAttempt(record.attemptId) : null;
        // Taken over just now: its write owed the message that tells people when the verdict comes.
        if (awaiting?.state === 'awaiting_verdict') {
          report.awaiting.push(awaiting);
        } else {
          report.pending.push(record.attemptId);
        }
        break;
      }
      case 'wdt_cannot_say':
        logger.warn(
          { attemptId: record.attemptId, orderNo: record.orderNo, lookup: verdict.lookup.kind },
          'no verdict yet: WDT did not show the order',
        );
        report.pending.push(record.attemptId);
        break;
      case 'stale':
        break;
    }
  }
  return report;
}

async function finished(
  deps: ReconcileDeps,
  report: ReconcileReport,
  record: AttemptRecord,
  cause: keyof typeof TAKEOVER_DETAIL | null,
): Promise<void> {
  deps.logger.info(
    { attemptId: record.attemptId, orderNo: record.orderNo, state: record.state, cause },
    'reconciled a call from WDT',
  );
  report.reconciled.push(record);
}

/** Why this `calling` attempt runs nowhere any more, or null while it may still be running. */
function takeoverCause(
  deps: ReconcileDeps,
  call: HeldCall,
  lapsed: (call: HeldCall) => boolean,
): keyof typeof TAKEOVER_DETAIL | null {
  if (call.heldForMs >= deps.longestCallMs) return 'too_old';
  return lapsed(call) ? 'owner_lapsed' : null;
}

/**
 * Which calls' processes have let their lease lapse. Never this process's own, and never on stale knowledge
 * of who is live: after an outage of the database, the first process back must not take every other
 * process's calls for abandoned before they could renew.
 */
function ownersLapsed(deps: ReconcileDeps, held: readonly HeldCall[]): (call: HeldCall) => boolean {
  const others = (call: HeldCall) =>
    call.record.instanceId !== undefined && call.record.instanceId !== deps.lease.instanceId;
  if (!held.some(others) || !deps.lease.knowsWhoIsLive()) return () => false;
  return (call) => others(call) && call.ownerLive === false;
}
