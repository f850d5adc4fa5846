import type { Logger } from 'pino';
import type { InstanceLease } from './instance-lease.js';
import type { AttemptRecord, AuditStore, HeldCall, HeldLock } from './ports/audit.js';
import type { Clock } from './ports/clock.js';
import type { WdtPort } from './ports/wdt.js';
import type { RefusedRequest } from './refused-request.js';
import { isCancelledAtWdt, lookupHeld, recordCancelled, settleVerdict, takeOver } from './verdict.js';

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
  /**
   * WDT may still accept a request the call signed, until `until`: the lock stays until then (the call is
   * taken over, so nothing more is signed), and the verdict is posted once it is known.
   */
  | { kind: 'held_until'; lock: HeldLock; until: string }
  | { kind: 'released'; record: AttemptRecord };

export type UnlockOrder = (request: UnlockRequest) => Promise<UnlockResult>;

/**
 * An operator's `unlock RK…`: releases an order whose lock is held by an attempt that no live process is
 * running. WDT is asked for the order's status (a query, never a cancel) and what it says is recorded, as
 * the reconciler would, and with the same rule: "not cancelled" only once no request the call signed can
 * still be accepted by WDT. Only when WDT cannot say is the lock released unverified, and then only with
 * the operator's reason. Each write owes the follow-up the reconciler's would.
 */
export function createUnlockOrder(deps: {
  wdt: WdtPort;
  audit: AuditStore;
  clock: Clock;
  logger: Logger;
  lease: Pick<InstanceLease, 'instanceId' | 'knowsWhoIsLive'>;
  /** The longest a call can take: a `calling` attempt held longer than this runs nowhere, whoever made it. */
  longestCallMs: number;
  /** Whether this process is making the attempt's call right now. */
  isRunningHere: (attemptId: string) => boolean;
  /** Records an unlock that changed nothing (a `denied` entry naming the order and why). */
  recordRefusal: (request: RefusedRequest) => Promise<void>;
}): UnlockOrder {
  const { audit, logger } = deps;

  /** Null when no live process can be running the holder's call; otherwise why it may be. */
  function runningWhere(held: HeldCall): 'in_progress' | 'cannot_tell' | null {
    if (held.record.state !== 'calling') return null;
    if (deps.isRunningHere(held.record.attemptId)) return 'in_progress';
    if (held.heldForMs >= deps.longestCallMs) return null;
    if (held.ownerLive !== false) return 'in_progress';
    return deps.lease.knowsWhoIsLive() ? null : 'cannot_tell';
  }

  return async (request) => {
    const result = await unlock(request);
    if (result.kind !== 'released') {
      await deps.recordRefusal({
        teamId: request.teamId,
        channelId: request.channelId,
        userId: request.adminId,
        orderNo: request.orderNo,
        detail: `unlock ${request.orderNo}: ${refusalDetail(result)}`,
      });
    }
    return result;
  };

  async function unlock({ orderNo, adminId, reason }: UnlockRequest): Promise<UnlockResult> {
    const held = (await audit.heldCalls()).find((call) => call.orderNo === orderNo);
    if (!held) return { kind: 'not_locked' };
    const lock = heldLock(held);
    const running = runningWhere(held);
    if (running) return { kind: running, lock };
    const released = { releasedBy: adminId, ...(reason ? { releaseReason: reason } : {}) };
    const lookup = await lookupHeld(deps, held);
    if (isCancelledAtWdt(lookup)) {
      const done = await recordCancelled(deps, held.record, {
        ...released,
        detail: 'lock released by an operator; WDT reports the order cancelled',
      });
      return done ? releasedWith(done) : { kind: 'already_released', lock };
    }
    if (held.record.state === 'calling') {
      const parked = await takeOver(deps, held, {
        statusAfter: lookup.kind === 'found' ? lookup.order.status : null,
        detail: 'an operator asked to release the lock; this process took the call over',
      });
      if (!parked) return { kind: 'already_released', lock };
      logger.warn({ attemptId: parked.attemptId, orderNo, adminId }, 'an operator took a call over');
    }
    const verdict = await settleVerdict(
      deps,
      held.record.attemptId,
      { ...released, detail: 'lock released by an operator' },
      reason
        ? { detail: 'lock released by an operator; WDT could not say what became of the call' }
        : undefined,
    );
    switch (verdict.kind) {
      case 'final':
        return releasedWith(verdict.record);
      case 'not_due':
        return { kind: 'held_until', lock, until: verdict.until };
      case 'wdt_cannot_say': {
        const why =
          verdict.lookup.kind === 'not_found'
            ? 'WDT does not show the order'
            : `WDT: ${verdict.lookup.outcome.kind}`;
        return { kind: 'reason_required', lock, why };
      }
      case 'stale':
        return { kind: 'already_released', lock };
    }
  }

  async function releasedWith(record: AttemptRecord): Promise<UnlockResult> {
    logger.info(
      {
        attemptId: record.attemptId,
        orderNo: record.orderNo,
        state: record.state,
        adminId: record.releasedBy,
      },
      'an operator released an order lock',
    );
    return { kind: 'released', record };
  }
}

/** The lock as `audit -- locks` shows it, from a held call. */
function heldLock(held: HeldCall): HeldLock {
  return {
    orderNo: held.orderNo,
    attemptId: held.record.attemptId,
    requesterId: held.record.requesterId,
    since: new Date(Date.parse(held.dbNow) - held.heldForMs).toISOString(),
    record: held.record,
  };
}

function refusalDetail(result: Exclude<UnlockResult, { kind: 'released' }>): string {
  switch (result.kind) {
    case 'not_locked':
      return 'the order is not locked; nothing changed';
    case 'in_progress':
      return `attempt ${result.lock.attemptId} may still be calling WDT in a live process; nothing changed`;
    case 'cannot_tell':
      return 'this process could not tell which processes are live; nothing changed';
    case 'reason_required':
      return `${result.why}, and no reason was given; nothing changed`;
    case 'already_released':
      return `attempt ${result.lock.attemptId} was closed by another process first; nothing changed`;
    case 'held_until':
      return `WDT may still accept a request attempt ${result.lock.attemptId} signed until ${result.until}; the call is taken over and the lock is released with the verdict then`;
  }
}
