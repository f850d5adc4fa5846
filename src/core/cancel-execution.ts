import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { advance } from './attempt.js';
import { mapConcurrent, serialQueue } from './concurrency.js';
import { withDeadline } from './deadline.js';
import { checkDetail, checkOrder, type OrderCheckSettings } from './order-check.js';
import { stateForCancelOutcome } from './outcome-state.js';
import { type Halt, haltOf, notSentDetail, type PauseGate } from './pause-state.js';
import type { AttemptRecord, AuditStore, ChainHead, LockHolder } from './ports/audit.js';
import type { Clock } from './ports/clock.js';
import type { BatchStage, Delivery, OutcomeNotifier } from './ports/notifier.js';
import type { WdtPort } from './ports/wdt.js';
import { recordOrRefuse } from './record-or-refuse.js';

export interface ExecutionSettings extends OrderCheckSettings {
  /** WDT calls in flight at once for one batch: small, so the per-minute rate limit is not the bottleneck. */
  concurrency: number;
}

export interface CancelExecutionDeps {
  wdt: WdtPort;
  audit: AuditStore;
  notifier: OutcomeNotifier;
  clock: Clock;
  logger: Logger;
  settings: ExecutionSettings;
  /** Consulted before each order of a batch: a pause stops the orders not yet begun. */
  pause: PauseGate;
  /** This process's instance id, stamped on every `calling` record (its lease tells others it is live). */
  instanceId?: string;
}

export type CancelExecution = ReturnType<typeof createCancelExecution>;

const OUTCOME_WRITE_ATTEMPTS = 5;
const OUTCOME_WRITE_BACKOFF_MS = 250;
/** How long a final message waits for the chain's head before it goes out without it. */
const CHAIN_HEAD_WAIT_MS = 2_000;

/**
 * The execution of confirmed cancels, whoever confirmed them (the requester, an approver) or found them
 * stuck (the reconciler): the order's lock, the check under it, the one WDT call, its recorded outcome, and
 * the messages that tell people. Every durable write that guards a call happens before it.
 */
export function createCancelExecution(deps: CancelExecutionDeps) {
  const { wdt, audit, notifier, clock, logger, settings, pause } = deps;

  /**
   * Cancels the runnable orders of a batch a few at a time and keeps its one message up to date, line by
   * line, as results arrive. `where` is the approval request message in peer mode; null posts a new one.
   */
  async function runBatch(
    records: readonly AttemptRecord[],
    where: Delivery | null,
  ): Promise<{ records: AttemptRecord[]; delivery: Delivery }> {
    const current = [...records];
    const running: BatchStage = { kind: 'running' };
    let delivery: Delivery;
    if (where) {
      delivery = where;
      await notifier.updateBatch(delivery, current, running);
    } else {
      delivery = await notifier.publishBatch(current, running);
    }
    const edits = serialQueue();
    const runnable = current.flatMap((r, index) =>
      r.state === 'confirmed' || r.state === 'approved' ? [index] : [],
    );
    await mapConcurrent(runnable, settings.concurrency, async (index) => {
      current[index] = await execute(current[index]!);
      const snapshot = [...current];
      void edits(() => notifier.updateBatch(delivery, snapshot, running));
    });
    const final = [...current];
    const done = await doneStage();
    await edits(() => notifier.updateBatch(delivery, final, done));
    return { records: await noteDelivery(final, delivery), delivery };
  }

  /**
   * Takes the order's lock, checks the order in WDT right before the call (an order that left editing state
   * is not sent, and the lock is released with the reason), makes the one call and records its outcome.
   * The check runs under the lock so that nobody can act on the order between the check and the call, and
   * so that people who lose the race for the lock cost WDT nothing.
   */
  async function execute(ready: AttemptRecord): Promise<AttemptRecord> {
    const halt = haltOf(pause);
    if (halt) return recordHalted(ready, halt);
    const callingAt = clock.now();
    const calling = startCalling(ready, callingAt);
    const begun = await recordOrRefuse(() => audit.beginCall(calling, callingAt));
    return begun.ok ? callUnderLock(calling) : recordLocked(ready, begun.holder);
  }

  /** Closes an order a batch reached after cancels were paused; nothing was sent, and its line says why. */
  async function recordHalted(ready: AttemptRecord, halt: Halt): Promise<AttemptRecord> {
    logger.info(
      { orderNo: ready.orderNo, attemptId: ready.attemptId },
      'batch stopped by a pause: order not sent',
    );
    const at = clock.now();
    const failed = advance(ready, 'failed', at, { wdtOutcome: 'not_sent', detail: notSentDetail(halt) });
    await recordOrRefuse(() => audit.append('failed', failed, at));
    return failed;
  }

  /** The record of a call about to begin in this process. */
  function startCalling(record: AttemptRecord, at: Date): AttemptRecord {
    return advance(record, 'calling', at, deps.instanceId ? { instanceId: deps.instanceId } : {});
  }

  /** Closes an attempt that lost the race for its order's lock; nothing was sent. */
  async function recordLocked(ready: AttemptRecord, holder: LockHolder): Promise<AttemptRecord> {
    logger.info({ orderNo: ready.orderNo, attemptId: ready.attemptId, holder }, 'order locked');
    const at = clock.now();
    const failed = advance(ready, 'failed', at, {
      detail: `another cancel of ${ready.orderNo} is in flight (attempt ${holder.attemptId})`,
    });
    await recordOrRefuse(() => audit.append('failed', failed, at));
    return failed;
  }

  /** Under the order's lock: checks the order, makes the one call unless it left editing state, records. */
  async function callUnderLock(calling: AttemptRecord): Promise<AttemptRecord> {
    const check = await checkOrder(wdt, calling.orderNo ?? '', clock.now(), settings);
    if (!check.confirmable) {
      const at = clock.now();
      const failed = advance(calling, 'failed', at, {
        statusBefore: check.status,
        detail: checkDetail(check),
      });
      await recordOutcome(failed, at);
      logger.info(
        { attemptId: failed.attemptId, status: check.status },
        'order left editing state; not sent',
      );
      return failed;
    }

    const outcome = await wdt.cancelStockin(calling.orderNo!);
    const { state, patch } = stateForCancelOutcome(outcome);
    const finishedAt = clock.now();
    const finished = advance(calling, state, finishedAt, {
      ...patch,
      statusBefore: check.status,
      detail: patch.detail ?? (check.verdict === 'cancellable' ? calling.detail : checkDetail(check)),
    });
    await recordOutcome(finished, finishedAt);
    logger.info(
      { attemptId: finished.attemptId, orderNo: finished.orderNo, state, wdtOutcome: outcome.kind },
      'cancel finished',
    );
    return finished;
  }

  /**
   * The WDT call has happened: whatever the store does now, people must learn the real outcome. Recording is
   * retried for a while; if the store stays down the attempt remains `calling`, holding its order's lock,
   * until the reconciler asks WDT and records what it finds.
   */
  async function recordOutcome(finished: AttemptRecord, at: Date): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await audit.finishCall(finished.state, finished, at);
        return;
      } catch (error) {
        if (attempt >= OUTCOME_WRITE_ATTEMPTS) {
          logger.error(
            { err: error, attemptId: finished.attemptId, state: finished.state },
            'could not record the outcome of a WDT call; the reconciler will record it from WDT',
          );
          return;
        }
        await sleep(OUTCOME_WRITE_BACKOFF_MS * 2 ** (attempt - 1));
      }
    }
  }

  /** Posts the outcome and records where it went; the outcome itself is already durable. */
  async function announce(record: AttemptRecord): Promise<Delivery> {
    const delivery = await notifier.publishOutcome(record, await chainHead());
    await noteDelivery([record], delivery);
    return delivery;
  }

  /** A batch's final stage, with the chain's head to show beside the results. */
  async function doneStage(): Promise<BatchStage> {
    return { kind: 'done', chainHead: await chainHead() };
  }

  /**
   * The chain's newest entry, shown with every final message so that Slack keeps a copy of the head. A store
   * that cannot say at once (down, or a database that stopped answering) does not hold the message back.
   */
  async function chainHead(): Promise<ChainHead | null> {
    try {
      return await withDeadline(audit.head(), CHAIN_HEAD_WAIT_MS, () => {
        throw new Error(`no answer within ${CHAIN_HEAD_WAIT_MS} ms`);
      });
    } catch (error) {
      logger.warn({ err: error }, 'could not read the audit chain head; the message goes out without it');
      return null;
    }
  }

  /** Records where a message about these attempts went (best effort: the states are already durable). */
  async function noteDelivery(
    records: readonly AttemptRecord[],
    delivery: Delivery,
  ): Promise<AttemptRecord[]> {
    const noted = records.map((record) => ({
      ...record,
      slackChannelId: delivery.channelId,
      slackTs: delivery.ts,
      notifiedVia: delivery.via,
    }));
    for (const record of noted) {
      try {
        await audit.append('notified', record, clock.now());
      } catch (error) {
        logger.error({ err: error, attemptId: record.attemptId }, 'could not record where the message went');
      }
    }
    return noted;
  }

  return { runBatch, startCalling, callUnderLock, recordLocked, announce, doneStage, noteDelivery };
}
