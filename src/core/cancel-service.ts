import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { AuditUnavailableError, ShuttingDownError } from '../errors.js';
import { advance, newAttempt } from './attempt.js';
import { mapConcurrent, serialQueue } from './concurrency.js';
import { withDeadline } from './deadline.js';
import type { InFlight } from './in-flight.js';
import { checkDetail, checkOrder, type OrderCheck, type OrderCheckSettings } from './order-check.js';
import { stateForCancelOutcome } from './outcome-state.js';
import type { AccessDecision, CancelPolicy } from './policy.js';
import type { AttemptRecord, AuditStore, ChainHead, LockHolder } from './ports/audit.js';
import type { Clock } from './ports/clock.js';
import type { BatchStage, Delivery, OutcomeNotifier } from './ports/notifier.js';
import type { WdtPort } from './ports/wdt.js';
import { refusedActionRecord } from './refused-action.js';

export interface CancelSettings extends OrderCheckSettings {
  approvalMode: 'self' | 'peer';
  approvalTtlMs: number;
  /** WDT calls in flight at once for one batch: small, so the per-minute rate limit is not the bottleneck. */
  concurrency: number;
}

export interface CancelServiceDeps {
  wdt: WdtPort;
  audit: AuditStore;
  policy: CancelPolicy;
  notifier: OutcomeNotifier;
  clock: Clock;
  newId: () => string;
  inFlight: InFlight;
  logger: Logger;
  settings: CancelSettings;
}

export interface RequestInput {
  teamId: string | null;
  channelId: string;
  userId: string;
  orderNos: readonly string[];
}

export type RequestResult =
  | { kind: 'denied'; decision: Extract<AccessDecision, { allowed: false }>; record: AttemptRecord }
  | { kind: 'ready'; attempts: AttemptRecord[] };

export interface PreviewItem {
  attempt: AttemptRecord;
  check: OrderCheck;
}

export interface ConfirmInput {
  /** Every attempt of the batch shown in the dialog; those already closed by the preview are skipped. */
  attemptIds: readonly string[];
  userId: string;
  reason: string;
}

export type ConfirmResult =
  | { kind: 'unknown_request' }
  | { kind: 'not_requester'; record: AttemptRecord }
  | { kind: 'duplicate'; record: AttemptRecord }
  | { kind: 'denied'; record: AttemptRecord; decision: Extract<AccessDecision, { allowed: false }> }
  | { kind: 'busy'; record: AttemptRecord; holderRequesterId: string }
  | { kind: 'finished'; record: AttemptRecord; delivery: Delivery }
  | { kind: 'batch_finished'; records: AttemptRecord[]; delivery: Delivery }
  | { kind: 'awaiting_approval'; records: AttemptRecord[]; delivery: Delivery }
  | { kind: 'nothing_to_cancel'; records: AttemptRecord[] };

export type CancelService = ReturnType<typeof createCancelService>;

const OUTCOME_WRITE_ATTEMPTS = 5;
const OUTCOME_WRITE_BACKOFF_MS = 250;
/** How long a final message waits for the chain's head before it goes out without it. */
const CHAIN_HEAD_WAIT_MS = 2_000;

/** An attempt confirmed in peer mode whose approval request has been posted: it waits for a decision. */
export function isAwaitingApproval(record: AttemptRecord): boolean {
  return record.state === 'confirmed' && record.notifiedVia !== null;
}

/**
 * The cancel use case. It knows nothing of Slack: it decides who may cancel, checks each order in WDT right
 * before its call, writes the audit trail around the one WDT call per order, and hands outcomes to the
 * notifier. Every durable write that guards a call happens before it; a failure to write stops the cancel.
 */
export function createCancelService(deps: CancelServiceDeps) {
  const { wdt, audit, policy, notifier, clock, newId, inFlight, logger, settings } = deps;

  async function write<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new AuditUnavailableError(error);
    }
  }

  /**
   * Decides whether this person may ask, and records the request (or the refusal) durably. `onAllowed` runs
   * once the answer is yes, before the records are written: the caller can start what needs no record yet.
   */
  async function request(
    input: RequestInput,
    hooks: { onAllowed?: () => void } = {},
  ): Promise<RequestResult> {
    const decision = await policy.canRequest(input.userId, input.channelId);
    const batchId = newId();
    const base = {
      batchId,
      teamId: input.teamId,
      channelId: input.channelId,
      requesterId: input.userId,
      wdtHost: wdt.environment.host,
    };
    if (!decision.allowed) {
      const at = clock.now();
      const record = newAttempt({
        ...base,
        attemptId: batchId,
        orderNo: input.orderNos.join(' ').slice(0, 600) || null,
        state: 'denied',
        at,
        detail: `request refused: ${decision.reason}`,
      });
      await write(() => audit.append('denied', record, at));
      return { kind: 'denied', decision, record };
    }
    hooks.onAllowed?.();
    const attempts: AttemptRecord[] = [];
    for (const [index, orderNo] of input.orderNos.entries()) {
      const at = clock.now();
      const attemptId = index === 0 ? batchId : newId();
      const record = newAttempt({ ...base, attemptId, orderNo, state: 'requested', at });
      await write(() => audit.append('requested', record, at));
      attempts.push(record);
    }
    return { kind: 'ready', attempts };
  }

  /**
   * Looks every order up in WDT (a few at a time) for the dialog. Orders that can never be confirmed are
   * closed in the audit trail at once, with what WDT showed; no cancel is ever sent for them.
   */
  async function preview(attempts: readonly AttemptRecord[]): Promise<PreviewItem[]> {
    const checks = await checkAll(attempts);
    const items: PreviewItem[] = [];
    for (const [index, attempt] of attempts.entries()) {
      const check = checks[index]!;
      if (check.confirmable) {
        items.push({ attempt, check });
        continue;
      }
      const at = clock.now();
      const closed = advance(attempt, 'failed', at, {
        statusBefore: check.status,
        detail: checkDetail(check),
      });
      await write(() => audit.append('failed', closed, at));
      items.push({ attempt: closed, check });
    }
    return items;
  }

  function checkAll(records: readonly AttemptRecord[]): Promise<OrderCheck[]> {
    return mapConcurrent(records, settings.concurrency, (record) =>
      checkOrder(wdt, record.orderNo ?? '', clock.now(), settings),
    );
  }

  async function confirm(input: ConfirmInput): Promise<ConfirmResult> {
    if (!inFlight.accepting) throw new ShuttingDownError();
    return inFlight.track(confirmTracked(input));
  }

  async function loadAll(attemptIds: readonly string[]): Promise<AttemptRecord[] | null> {
    const records: AttemptRecord[] = [];
    for (const attemptId of attemptIds) {
      const record = await write(() => audit.findAttempt(attemptId));
      if (!record) return null;
      records.push(record);
    }
    const batchId = records[0]?.batchId;
    return records.length > 0 && records.every((r) => r.batchId === batchId) ? records : null;
  }

  async function confirmTracked(input: ConfirmInput): Promise<ConfirmResult> {
    const records = await loadAll(input.attemptIds);
    if (!records) return { kind: 'unknown_request' };
    const first = records[0]!;
    const stranger = records.find((r) => r.requesterId !== input.userId);
    if (stranger) {
      const at = clock.now();
      const detail = 'confirmation refused: only the requester can confirm';
      const refused = refusedActionRecord({ records, actorId: input.userId, detail, attemptId: newId(), at });
      await write(() => audit.append('denied', refused, at));
      return { kind: 'not_requester', record: stranger };
    }
    if (!records.some((r) => r.state === 'requested')) return { kind: 'duplicate', record: first };

    const decision = await policy.canRequest(input.userId, first.channelId);
    if (decision.allowed && settings.approvalMode === 'self' && records.length === 1) {
      return confirmSingle(first, input.reason);
    }
    if (!(await write(() => audit.claimOnce(`confirm:${first.batchId}`, clock.now())))) {
      return { kind: 'duplicate', record: first };
    }
    if (!decision.allowed) {
      let denied = first;
      for (const record of records.filter((r) => r.state === 'requested')) {
        const at = clock.now();
        denied = advance(record, 'denied', at, {
          reason: input.reason,
          detail: `confirmation refused: ${decision.reason}`,
        });
        await write(() => audit.append('denied', denied, at));
      }
      return { kind: 'denied', record: denied, decision };
    }

    if (settings.approvalMode === 'peer') return requestApproval(records, input.reason);

    const confirmed: AttemptRecord[] = [];
    for (const record of records) {
      if (record.state !== 'requested') {
        confirmed.push(record);
        continue;
      }
      const at = clock.now();
      const next = advance(record, 'confirmed', at, { reason: input.reason });
      await write(() => audit.append('confirmed', next, at));
      confirmed.push(next);
    }
    const { records: finished, delivery } = await runBatch(confirmed, null);
    return { kind: 'batch_finished', records: finished, delivery };
  }

  /**
   * The common case, one order confirmed by its requester: the claim, the confirmation and the order's lock
   * are one durable write, then the call runs as in `execute`.
   */
  async function confirmSingle(requested: AttemptRecord, reason: string): Promise<ConfirmResult> {
    const at = clock.now();
    const confirmed = advance(requested, 'confirmed', at, { reason });
    const calling = advance(confirmed, 'calling', at);
    const begun = await write(() =>
      audit.confirmAndBeginCall(`confirm:${requested.batchId}`, confirmed, calling, at),
    );
    if (begun.kind === 'already_claimed') return { kind: 'duplicate', record: requested };
    if (begun.kind === 'locked') {
      const failed = await recordLocked(confirmed, begun.holder);
      return { kind: 'busy', record: failed, holderRequesterId: begun.holder.requesterId };
    }
    const record = await callWdt(calling);
    const delivery = await announce(record);
    return { kind: 'finished', record, delivery };
  }

  /**
   * Peer mode: checks each order now (the status seen at confirmation becomes `statusBefore`), records the
   * confirmations, and posts one approval request for the orders that may still be cancelled.
   */
  async function requestApproval(records: AttemptRecord[], reason: string): Promise<ConfirmResult> {
    const pending = records.filter((r) => r.state === 'requested');
    const checks = await checkAll(pending);
    const byId = new Map<string, AttemptRecord>();
    for (const [index, record] of pending.entries()) {
      const check = checks[index]!;
      const at = clock.now();
      const next = check.confirmable
        ? advance(record, 'confirmed', at, { reason, statusBefore: check.status })
        : advance(record, 'failed', at, { reason, statusBefore: check.status, detail: checkDetail(check) });
      await write(() => audit.append(next.state, next, at));
      byId.set(next.attemptId, next);
    }
    const current = records.map((r) => byId.get(r.attemptId) ?? r);
    const awaiting = current.filter((r) => r.state === 'confirmed');
    if (awaiting.length === 0) return { kind: 'nothing_to_cancel', records: current };

    const expiresAt = new Date(clock.now().getTime() + settings.approvalTtlMs);
    const delivery = await notifier.publishBatch(current, { kind: 'awaiting_approval', expiresAt });
    const noted = await noteDelivery(current, delivery);
    return { kind: 'awaiting_approval', records: noted, delivery };
  }

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
    const callingAt = clock.now();
    const calling = advance(ready, 'calling', callingAt);
    const begun = await write(() => audit.beginCall(calling, callingAt));
    return begun.ok ? callWdt(calling) : recordLocked(ready, begun.holder);
  }

  /** Closes an attempt that lost the race for its order's lock; nothing was sent. */
  async function recordLocked(ready: AttemptRecord, holder: LockHolder): Promise<AttemptRecord> {
    logger.info({ orderNo: ready.orderNo, attemptId: ready.attemptId, holder }, 'order locked');
    const at = clock.now();
    const failed = advance(ready, 'failed', at, {
      detail: `another cancel of ${ready.orderNo} is in flight (attempt ${holder.attemptId})`,
    });
    await write(() => audit.append('failed', failed, at));
    return failed;
  }

  /** Under the order's lock: checks the order, makes the one call unless it left editing state, records. */
  async function callWdt(calling: AttemptRecord): Promise<AttemptRecord> {
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

  /** Closes an attempt that can never be confirmed (its dialog never opened); best effort. */
  async function abandon(record: AttemptRecord, detail: string): Promise<void> {
    const at = clock.now();
    try {
      await audit.append('failed', advance(record, 'failed', at, { detail }), at);
    } catch (error) {
      logger.error({ err: error, attemptId: record.attemptId }, 'could not record the abandoned request');
    }
  }

  return { request, preview, confirm, announce, abandon, runBatch, doneStage, loadAll, write, settings };
}
