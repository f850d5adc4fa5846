import type { Logger } from 'pino';
import { ShuttingDownError } from '../errors.js';
import { advance, newAttempt } from './attempt.js';
import type { CancelExecution, ExecutionSettings } from './cancel-execution.js';
import { mapConcurrent } from './concurrency.js';
import type { InFlight } from './in-flight.js';
import { loadBatch } from './load-batch.js';
import { checkDetail, checkOrder, type OrderCheck } from './order-check.js';
import { describeHalt, type Halt, haltOf, type PauseGate } from './pause-state.js';
import type { AccessDecision, CancelPolicy } from './policy.js';
import type { AttemptRecord, AuditStore, RequestOrigin } from './ports/audit.js';
import type { Clock } from './ports/clock.js';
import type { Delivery, OutcomeNotifier } from './ports/notifier.js';
import type { WdtPort } from './ports/wdt.js';
import { recordOrRefuse } from './record-or-refuse.js';
import { refusedActionRecord } from './refused-action.js';

export interface CancelSettings extends ExecutionSettings {
  approvalMode: 'self' | 'peer';
  approvalTtlMs: number;
}

export interface CancelServiceDeps {
  wdt: WdtPort;
  audit: AuditStore;
  policy: CancelPolicy;
  notifier: OutcomeNotifier;
  execution: CancelExecution;
  clock: Clock;
  newId: () => string;
  /** Consulted, not tracked: the caller tracks the confirmation together with its report. */
  inFlight: InFlight;
  /** The operators' pause, as cached: read on every request and confirmation, never awaited. */
  pause: PauseGate;
  logger: Logger;
  settings: CancelSettings;
}

export interface RequestInput {
  teamId: string | null;
  channelId: string;
  userId: string;
  orderNos: readonly string[];
  /** A shortcut or a Workflow Builder step; absent for the slash command. */
  origin?: RequestOrigin;
}

export type RequestResult =
  | { kind: 'denied'; decision: Extract<AccessDecision, { allowed: false }>; record: AttemptRecord }
  | { kind: 'paused'; halt: Halt; record: AttemptRecord }
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
  | { kind: 'paused'; halt: Halt; records: AttemptRecord[] }
  | { kind: 'finished'; record: AttemptRecord; delivery: Delivery }
  | { kind: 'batch_finished'; records: AttemptRecord[]; delivery: Delivery }
  | { kind: 'awaiting_approval'; records: AttemptRecord[]; delivery: Delivery }
  | { kind: 'nothing_to_cancel'; records: AttemptRecord[] };

export type CancelService = ReturnType<typeof createCancelService>;

/**
 * The cancel use case up to the confirmation. It knows nothing of Slack: it decides who may cancel, records
 * the request, shows what WDT says of each order, and on confirmation hands the orders to the execution (or,
 * in peer mode, asks for approval). A failure to write stops the cancel.
 */
export function createCancelService(deps: CancelServiceDeps) {
  const { wdt, audit, policy, notifier, execution, clock, newId, inFlight, logger, settings, pause } = deps;

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
      ...(input.origin ? { origin: input.origin } : {}),
    };
    const refuse = async (detail: string) => {
      const at = clock.now();
      const orderNo = input.orderNos.join(' ').slice(0, 600) || null;
      const record = newAttempt({ ...base, attemptId: batchId, orderNo, state: 'denied', at, detail });
      await recordOrRefuse(() => audit.append('denied', record, at));
      return record;
    };
    if (!decision.allowed) {
      return { kind: 'denied', decision, record: await refuse(`request refused: ${decision.reason}`) };
    }
    // Only a pause refuses the dialog: while the state is unknown (the store is not answering) the request's own
    // record cannot be written either, and whatever happens nothing is sent until the state is read again.
    const view = pause.current();
    const halt = view.kind === 'paused' ? view : null;
    if (halt) {
      logger.info({ userId: input.userId, pause: halt.kind }, 'cancel request refused: cancels are paused');
      return { kind: 'paused', halt, record: await refuse(`request refused: ${describeHalt(halt)}`) };
    }
    hooks.onAllowed?.();
    const attempts: AttemptRecord[] = [];
    for (const [index, orderNo] of input.orderNos.entries()) {
      const at = clock.now();
      const attemptId = index === 0 ? batchId : newId();
      const record = newAttempt({ ...base, attemptId, orderNo, state: 'requested', at });
      await recordOrRefuse(() => audit.append('requested', record, at));
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
      await recordOrRefuse(() => audit.append('failed', closed, at));
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
    return confirmBatch(input);
  }

  async function confirmBatch(input: ConfirmInput): Promise<ConfirmResult> {
    const records = await loadBatch(audit, input.attemptIds);
    if (!records) return { kind: 'unknown_request' };
    const first = records[0]!;
    const stranger = records.find((r) => r.requesterId !== input.userId);
    if (stranger) {
      const at = clock.now();
      const detail = 'confirmation refused: only the requester can confirm';
      const refused = refusedActionRecord({ records, actorId: input.userId, detail, attemptId: newId(), at });
      await recordOrRefuse(() => audit.append('denied', refused, at));
      return { kind: 'not_requester', record: stranger };
    }
    if (!records.some((r) => r.state === 'requested')) return { kind: 'duplicate', record: first };
    const halt = haltOf(pause);
    if (halt) return refuseWhileHalted(records, halt, input.reason);

    const decision = await policy.canRequest(input.userId, first.channelId);
    if (decision.allowed && settings.approvalMode === 'self' && records.length === 1) {
      return confirmSingle(first, input.reason);
    }
    if (!(await recordOrRefuse(() => audit.claimOnce(`confirm:${first.batchId}`, clock.now())))) {
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
        await recordOrRefuse(() => audit.append('denied', denied, at));
      }
      return { kind: 'denied', record: denied, decision };
    }

    if (settings.approvalMode === 'peer') return requestApproval(records, input.reason);

    const confirmed = await advanceRequested(records, 'confirmed', { reason: input.reason });
    const { records: finished, delivery } = await execution.runBatch(confirmed, null);
    return { kind: 'batch_finished', records: finished, delivery };
  }

  /** Moves the batch's `requested` attempts to `state`, each recorded; the others are kept as they are. */
  async function advanceRequested(
    records: readonly AttemptRecord[],
    state: 'confirmed' | 'denied',
    patch: Partial<AttemptRecord>,
  ): Promise<AttemptRecord[]> {
    const next: AttemptRecord[] = [];
    for (const record of records) {
      if (record.state !== 'requested') {
        next.push(record);
        continue;
      }
      const at = clock.now();
      const moved = advance(record, state, at, patch);
      await recordOrRefuse(() => audit.append(state, moved, at));
      next.push(moved);
    }
    return next;
  }

  /** A dialog confirmed while cancels are paused: its orders are closed as denied, naming the pause; nothing is sent. */
  async function refuseWhileHalted(
    records: AttemptRecord[],
    halt: Halt,
    reason: string,
  ): Promise<ConfirmResult> {
    const first = records[0]!;
    if (!(await recordOrRefuse(() => audit.claimOnce(`confirm:${first.batchId}`, clock.now())))) {
      return { kind: 'duplicate', record: first };
    }
    const closed = await advanceRequested(records, 'denied', {
      reason,
      detail: `confirmation refused: ${describeHalt(halt)}`,
    });
    logger.info({ batchId: first.batchId, pause: halt.kind }, 'confirmation refused: cancels are paused');
    return { kind: 'paused', halt, records: closed };
  }

  /**
   * The common case, one order confirmed by its requester: the claim, the confirmation and the order's lock
   * are one durable write, then the call runs under the lock as in a batch.
   */
  async function confirmSingle(requested: AttemptRecord, reason: string): Promise<ConfirmResult> {
    const at = clock.now();
    const confirmed = advance(requested, 'confirmed', at, { reason });
    const calling = execution.startCalling(confirmed, at);
    const begun = await recordOrRefuse(() =>
      audit.confirmAndBeginCall(`confirm:${requested.batchId}`, confirmed, calling, at),
    );
    if (begun.kind === 'already_claimed') return { kind: 'duplicate', record: requested };
    if (begun.kind === 'locked') {
      const failed = await execution.recordLocked(confirmed, begun.holder);
      return { kind: 'busy', record: failed, holderRequesterId: begun.holder.requesterId };
    }
    const record = await execution.callUnderLock(calling);
    const delivery = await execution.announce(record);
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
      await recordOrRefuse(() => audit.append(next.state, next, at));
      byId.set(next.attemptId, next);
    }
    const current = records.map((r) => byId.get(r.attemptId) ?? r);
    const awaiting = current.filter((r) => r.state === 'confirmed');
    if (awaiting.length === 0) return { kind: 'nothing_to_cancel', records: current };

    const expiresAt = new Date(clock.now().getTime() + settings.approvalTtlMs);
    const delivery = await notifier.publishBatch(current, { kind: 'awaiting_approval', expiresAt });
    const noted = await execution.noteDelivery(current, delivery);
    return { kind: 'awaiting_approval', records: noted, delivery };
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

  return { request, preview, confirm, abandon };
}
