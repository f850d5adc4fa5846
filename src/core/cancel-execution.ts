import type { Logger } from 'pino';
import { advance } from './attempt.js';
import { runEach } from './concurrency.js';
import { withDeadline } from './deadline.js';
import {
  checkDetail,
  checkOrder,
  lookupFailure,
  type OrderCheck,
  type OrderCheckSettings,
} from './order-check.js';
import { stateForCancelOutcome } from './outcome-state.js';
import { isSingle, owedFor } from './owed-messages.js';
import { type Halt, haltOf, notSentDetail, type PauseGate } from './pause-state.js';
import type { AttemptRecord, AuditStore, LockHolder } from './ports/audit.js';
import type { Clock } from './ports/clock.js';
import type { Timers } from './ports/timers.js';
import type { WdtPort } from './ports/wdt.js';
import { recordOrRefuse } from './record-or-refuse.js';
import { attemptFence, type FenceRefusal } from './send-fence.js';
import { settleOutcome } from './settle-outcome.js';

export interface ExecutionSettings extends OrderCheckSettings {
  /** WDT calls in flight at once for one batch: small, so the per-minute rate limit is not the bottleneck. */
  concurrency: number;
  /**
   * How long the check under the lock, and then the cancel, may take (see `callTimings`): a late check sends
   * nothing, and no fence passes once both are spent, so a call never holds its order longer than their sum.
   */
  callBudget: { checkMs: number; sendMs: number };
}

export interface CancelExecutionDeps {
  wdt: WdtPort;
  audit: AuditStore;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  settings: ExecutionSettings;
  /** Consulted before each order of a batch: a pause stops the orders not yet begun. */
  pause: PauseGate;
  /** This process's instance id: stamped on every `calling` record, and shown to the fence with its lease. */
  instanceId: string;
}

export type CancelExecution = ReturnType<typeof createCancelExecution>;

const OUTCOME_WRITE_ATTEMPTS = 5;
const OUTCOME_WRITE_BACKOFF_MS = 250;
/** How often an outcome the store refused is tried again, until it takes it. */
const OUTCOME_RETRY_EVERY_MS = 2_000;

/** WDT's answer to a call, waiting to be recorded. */
interface Unrecorded {
  calling: AttemptRecord;
  finished: AttemptRecord;
  at: Date;
}

/** The states a batch runs an order from: its confirmation (self mode) or its approval (four-eyes). */
export type RunnableState = 'confirmed' | 'approved';

/**
 * What became of a call: `own` when this process recorded it (and tells people), not when another process
 * took the attempt over while this one was frozen or cut off (that process tells them).
 */
export interface CallResult {
  record: AttemptRecord;
  own: boolean;
}

/**
 * The execution of confirmed cancels, whoever confirmed them (the requester, an approver): the order's
 * lock, the check under it, the fenced WDT call, its recorded outcome, and the messages that tell people.
 * Every durable write that guards a call happens before it.
 */
export function createCancelExecution(deps: CancelExecutionDeps) {
  const { wdt, audit, clock, timers, logger, settings, pause, instanceId } = deps;
  /** Attempts whose call this process is making: never reconciled here while they run. */
  const running = new Set<string>();
  /** Outcomes WDT gave whose record the store refused: written as soon as it takes them. */
  const unrecorded = new Map<string, Unrecorded>();
  let stopRetrying: (() => void) | null = null;
  let retryingNow = false;

  /**
   * Cancels the orders of a batch that are in `runnable` a few at a time. Each change of each order owes a
   * new version of the batch's one message, written with it; the outbox delivers the latest. An order whose
   * write fails stops the batch from taking more; those already running finish first.
   */
  async function runBatch(
    records: readonly AttemptRecord[],
    runnable: RunnableState,
  ): Promise<AttemptRecord[]> {
    const current = [...records];
    const indexes = current.flatMap((r, index) => (r.state === runnable ? [index] : []));
    const { failed, failure } = await runEach(indexes, settings.concurrency, async (index) => {
      try {
        current[index] = await execute(current[index]!);
      } catch (error) {
        // Nothing was sent for it: its lock was never taken. It stays as recorded until a sweep closes it.
        current[index] = advance(current[index]!, 'failed', clock.now(), {
          wdtOutcome: 'not_sent',
          detail: 'not sent: the audit store did not answer',
        });
        throw error;
      }
    });
    if (failed) {
      logger.error(
        { err: failure, batchId: current[0]?.batchId },
        'batch stopped: an order could not be recorded; the orders not begun were not sent',
      );
    }
    return current;
  }

  /**
   * Takes the order's lock (the move to `calling` from `ready`'s state), checks the order in WDT right before
   * the call (an order that left editing state is not sent), makes the one fenced call and records it. The
   * check runs under the lock so that nobody can act on the order between the check and the call, and so
   * that people who lose the race for the lock cost WDT nothing.
   */
  async function execute(ready: AttemptRecord): Promise<AttemptRecord> {
    const halt = haltOf(pause);
    if (halt) return recordHalted(ready, halt);
    const callingAt = clock.now();
    const calling = startCalling(ready, callingAt);
    const begun = await recordOrRefuse(() =>
      audit.write([{ from: ready.state, record: calling }], callingAt, owedFor(calling, { outcome: false })),
    );
    if (begun.ok) return (await callUnderLock(calling)).record;
    if (begun.conflict.kind === 'locked') return recordLocked(ready, begun.conflict.holder);
    // Another process moved it first (a sweep closed it, a second decision): its record is the truth.
    return begun.conflict.kind === 'stale' && begun.conflict.current ? begun.conflict.current : ready;
  }

  /** Closes an order a batch reached after cancels were paused; nothing was sent, and its line says why. */
  async function recordHalted(ready: AttemptRecord, halt: Halt): Promise<AttemptRecord> {
    logger.info(
      { orderNo: ready.orderNo, attemptId: ready.attemptId },
      'batch stopped by a pause: order not sent',
    );
    const at = clock.now();
    const failed = advance(ready, 'failed', at, { wdtOutcome: 'not_sent', detail: notSentDetail(halt) });
    return written(
      await recordOrRefuse(() =>
        audit.write([{ from: ready.state, record: failed }], at, owedFor(failed, tell(failed))),
      ),
      failed,
    );
  }

  /** The record of a call about to begin in this process. */
  function startCalling(record: AttemptRecord, at: Date): AttemptRecord {
    return advance(record, 'calling', at, { instanceId, sendFence: true });
  }

  /** The record of an attempt that lost the race for its order's lock; nothing was sent. */
  function lockedOut(ready: AttemptRecord, holder: LockHolder, at: Date): AttemptRecord {
    return advance(ready, 'failed', at, {
      detail: `another cancel of ${ready.orderNo} is in flight (attempt ${holder.attemptId})`,
    });
  }

  /** Closes an attempt that lost the race for its order's lock; nothing was sent. */
  async function recordLocked(ready: AttemptRecord, holder: LockHolder): Promise<AttemptRecord> {
    logger.info({ orderNo: ready.orderNo, attemptId: ready.attemptId, holder }, 'order locked');
    const at = clock.now();
    const failed = lockedOut(ready, holder, at);
    return written(
      await recordOrRefuse(() =>
        audit.write([{ from: ready.state, record: failed }], at, owedFor(failed, tell(failed))),
      ),
      failed,
    );
  }

  /**
   * Under the order's lock: checks the order, makes the one call unless it left editing state, and records
   * what WDT answered. The call is signed only behind the fence; if another process took the attempt over
   * meanwhile, nothing is sent and nothing written here: that process records what became of it.
   */
  async function callUnderLock(calling: AttemptRecord): Promise<CallResult> {
    running.add(calling.attemptId);
    const startedAt = timers.now();
    const { checkMs, sendMs } = settings.callBudget;
    try {
      const check = await withDeadline(
        checkOrder(wdt, calling.orderNo ?? '', clock.now(), settings),
        checkMs,
        () => null,
        timers,
      );
      if (!check) {
        const at = clock.now();
        const failed = advance(calling, 'failed', at, {
          wdtOutcome: 'not_sent',
          detail: `not sent: WDT did not show the order's status within ${Math.round(checkMs / 1000)} s`,
        });
        return await recordOutcome(calling, failed, at);
      }
      // Under the lock a cancel is sent only for an order WDT shows in editing state (or not at all, when
      // unverified cancels are allowed): never blind. Only then is an order seen cancelled afterwards known
      // to be this call's doing, so that its verdict can be given at once.
      if (!check.confirmable || check.verdict === 'lookup_failed') {
        const at = clock.now();
        const failed = advance(calling, 'failed', at, {
          statusBefore: check.status,
          wdtOutcome: 'not_sent',
          ...lookupRefusal(check),
          detail: notSentForCheck(check),
        });
        logger.info(
          { attemptId: failed.attemptId, status: check.status, verdict: check.verdict },
          'order not shown in editing state under the lock; not sent',
        );
        return await recordOutcome(calling, failed, at);
      }
      const fence = attemptFence({
        audit,
        timers,
        attemptId: calling.attemptId,
        orderNo: calling.orderNo!,
        instanceId,
        signBefore: startedAt + checkMs + sendMs,
      });
      const outcome = await wdt.cancelStockin(calling.orderNo!, fence.fence);
      const refusal = fence.refusal();
      if (refusal === 'superseded' || refusal === 'lock_lost') {
        return { record: await tookOver(calling, refusal), own: false };
      }
      const finishedAt = clock.now();
      const { state, patch } = stateForCancelOutcome(outcome);
      const finished = advance(calling, state, finishedAt, {
        ...patch,
        statusBefore: check.status,
        detail:
          notSentReason(refusal) ??
          patch.detail ??
          (check.verdict === 'cancellable' ? calling.detail : checkDetail(check)),
      });
      logger.info(
        {
          attemptId: finished.attemptId,
          orderNo: finished.orderNo,
          state,
          wdtOutcome: outcome.kind,
          refusal,
        },
        'cancel finished',
      );
      return await recordOutcome(calling, finished, finishedAt);
    } finally {
      running.delete(calling.attemptId);
    }
  }

  /** Another process took the attempt over (this one was frozen or cut off): its record says what happened. */
  async function tookOver(calling: AttemptRecord, refusal: FenceRefusal): Promise<AttemptRecord> {
    logger.warn(
      { attemptId: calling.attemptId, orderNo: calling.orderNo, refusal },
      'this process no longer owns the call (another process took it over); nothing was sent',
    );
    return (await audit.findAttempt(calling.attemptId).catch(() => null)) ?? calling;
  }

  /**
   * The WDT call has happened (or was refused by the fence): whatever the store does now, its record must say
   * what WDT did. The outcome is written only while the attempt is still `calling` here; a late answer goes
   * through `settleOutcome`. If the store stays down the attempt remains `calling`, holding its order's lock,
   * until a reconciler takes it over once this process's lease has lapsed.
   */
  async function recordOutcome(
    calling: AttemptRecord,
    finished: AttemptRecord,
    at: Date,
  ): Promise<CallResult> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const settled = await settle({ calling, finished, at });
        return { record: settled.record, own: settled.wrote };
      } catch (error) {
        if (attempt >= OUTCOME_WRITE_ATTEMPTS) {
          logger.error(
            { err: error, attemptId: finished.attemptId, state: finished.state },
            'could not record the outcome of a WDT call yet; this process keeps trying (its order stays locked meanwhile)',
          );
          keepTrying({ calling, finished, at });
          return { record: finished, own: true };
        }
        await timers.sleep(OUTCOME_WRITE_BACKOFF_MS * 2 ** (attempt - 1));
      }
    }
  }

  function settle(outcome: Unrecorded) {
    return settleOutcome(audit, outcome.calling, outcome.finished, outcome.at, logger, (record, late) =>
      owedFor(record, { outcome: late || isSingle(record) }),
    );
  }

  /**
   * WDT's answer is the truth, and only this process has it: it is written as soon as the store takes it
   * again (a database back from a failover or a reset), not left for a reconciler to guess in ten minutes.
   * If this process dies first, its lease lapses and another takes the call over from WDT's record.
   */
  function keepTrying(outcome: Unrecorded): void {
    unrecorded.set(outcome.finished.attemptId, outcome);
    stopRetrying ??= timers.every(OUTCOME_RETRY_EVERY_MS, () => void retryUnrecorded());
  }

  async function retryUnrecorded(): Promise<void> {
    if (retryingNow) return;
    retryingNow = true;
    try {
      for (const [attemptId, outcome] of unrecorded) {
        try {
          await settle(outcome);
          unrecorded.delete(attemptId);
          logger.info(
            { attemptId, state: outcome.finished.state },
            'recorded an outcome the store had refused',
          );
        } catch {
          // Still down: the next round tries again.
        }
      }
      if (unrecorded.size === 0) {
        stopRetrying?.();
        stopRetrying = null;
      }
    } finally {
      retryingNow = false;
    }
  }

  return {
    runBatch,
    startCalling,
    lockedOut,
    callUnderLock,
    recordLocked,
    /** Whether this process is making the attempt's call, or holds its outcome to record. */
    isRunning: (attemptId: string) => running.has(attemptId) || unrecorded.has(attemptId),
  };
}

/** Why a check under the lock sent nothing, for the record. */
function notSentForCheck(check: OrderCheck): string {
  if (check.verdict !== 'lookup_failed') return checkDetail(check);
  const refused = check.lookup.kind === 'error' && check.lookup.outcome.kind === 'refused';
  return refused
    ? `not sent: WDT refused the status look-up (${lookupFailure(check.lookup)})`
    : `not sent: ${checkDetail(check)}; try again once WDT answers`;
}

/**
 * WDT's refusal of the status look-up, kept in the record: a refusal for the bot's configuration (a wrong
 * secret, an IP not whitelisted) is then told as such, though no cancel was sent.
 */
function lookupRefusal(check: OrderCheck): Partial<AttemptRecord> {
  if (check.lookup.kind !== 'error' || check.lookup.outcome.kind !== 'refused') return {};
  const { status, code, message } = check.lookup.outcome;
  return { wdtStatus: status, wdtCode: code, wdtMessage: message };
}

/** What the record says when the fence, not WDT, stopped the request. */
function notSentReason(refusal: FenceRefusal | null): string | null {
  switch (refusal) {
    case 'paused':
      return 'not sent: cancels are paused (the fence saw the pause before the request was signed)';
    case 'lease_expired':
      return 'not sent: this process’s lease had lapsed (it was frozen or cut off from the database)';
    case 'store_unavailable':
      return 'not sent: the audit store did not confirm the fence in time';
    case 'budget_spent':
      return 'not sent: the call ran out of time before this request could be signed';
    default:
      return null;
  }
}

/** A single order tells its own outcome; an order of a batch, the batch's message. */
function tell(record: AttemptRecord) {
  return { outcome: isSingle(record) };
}

/** The record as written, or as it is now when another process changed it first. */
function written(result: Awaited<ReturnType<AuditStore['write']>>, intended: AttemptRecord): AttemptRecord {
  if (result.ok) return result.records.at(-1) ?? intended;
  return result.conflict.kind === 'locked' ? intended : (result.conflict.current ?? intended);
}
