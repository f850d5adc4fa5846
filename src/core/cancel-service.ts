import type { Logger } from 'pino';
import { ShuttingDownError } from '../errors.js';
import { advance, newAttempt } from './attempt.js';
import type { CancelExecution, ExecutionSettings } from './cancel-execution.js';
import { mapConcurrent } from './concurrency.js';
import type { InFlight } from './in-flight.js';
import { loadBatch } from './load-batch.js';
import { checkDetail, checkOrder, type OrderCheck } from './order-check.js';
import { type Owing, owedFor, owedForAll } from './owed-messages.js';
import { describeHalt, type Halt, haltOf, type PauseGate } from './pause-state.js';
import type { AccessDecision, CancelPolicy } from './policy.js';
import type { AttemptRecord, AuditStore, RequestOrigin } from './ports/audit.js';
import type { Clock } from './ports/clock.js';
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
  | { kind: 'finished'; record: AttemptRecord }
  | { kind: 'batch_finished'; records: AttemptRecord[] }
  | { kind: 'awaiting_approval'; records: AttemptRecord[] }
  | { kind: 'nothing_to_cancel'; records: AttemptRecord[] };

export type CancelService = ReturnType<typeof createCancelService>;

/** A refusal is told in the dialog, not in the channel; only a Workflow step hears of it (its completion). */
const STEP_ONLY: Owing = { outcome: false, batch: false };

/**
 * The cancel use case up to the confirmation. It knows nothing of Slack: it decides who may cancel, records
 * the request, shows what WDT says of each order, and on confirmation hands the orders to the execution (or,
 * in peer mode, asks for approval). A failure to write stops the cancel.
 */
export function createCancelService(deps: CancelServiceDeps) {
  const { wdt, audit, policy, execution, clock, newId, inFlight, logger, settings, pause } = deps;

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
      await writeNew(record, at);
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
    const at = clock.now();
    const batchSize = input.orderNos.length;
    const attempts = input.orderNos.map((orderNo, index) =>
      newAttempt({
        ...base,
        attemptId: index === 0 ? batchId : newId(),
        orderNo,
        state: 'requested',
        at,
        batchSize,
      }),
    );
    // One write for the whole batch: its orders are recorded together or not at all.
    await recordOrRefuse(async () => {
      const written = await audit.write(
        attempts.map((record) => ({ from: null, record })),
        at,
      );
      if (!written.ok) throw new Error(`new attempts already recorded (${written.conflict.kind})`);
    });
    return { kind: 'ready', attempts };
  }

  /** Records a new attempt (a refusal): its id is new, so only a bug can make it conflict. */
  async function writeNew(record: AttemptRecord, at: Date): Promise<void> {
    await recordOrRefuse(async () => {
      const written = await audit.write([{ from: null, record }], at, owedFor(record, STEP_ONLY));
      if (!written.ok) throw new Error(`attempt ${record.attemptId} already recorded`);
    });
  }

  /**
   * Looks every order up in WDT (a few at a time) for the dialog. Orders that can never be confirmed are
   * closed in the audit trail at once, with what WDT showed; no cancel is ever sent for them.
   */
  async function preview(attempts: readonly AttemptRecord[]): Promise<PreviewItem[]> {
    const checks = await checkAll(attempts);
    const at = clock.now();
    const items: PreviewItem[] = attempts.map((attempt, index) => {
      const check = checks[index]!;
      if (check.confirmable) return { attempt, check };
      const closed = advance(attempt, 'failed', at, {
        statusBefore: check.status,
        detail: checkDetail(check),
      });
      return { attempt: closed, check };
    });
    const closing = items.filter((item) => item.attempt.state === 'failed');
    if (closing.length === 0) return items;
    const written = await recordOrRefuse(() =>
      audit.write(
        closing.map((item) => ({ from: 'requested', record: item.attempt })),
        at,
        owedForAll(
          closing.map((item) => item.attempt),
          STEP_ONLY,
        ),
      ),
    );
    if (written.ok) return items;
    // One was closed meanwhile by someone else (a sweep of a stopped step): close the others one by one, and
    // show what is recorded.
    for (const item of closing) {
      await recordOrRefuse(() =>
        audit.write([{ from: 'requested', record: item.attempt }], at, owedFor(item.attempt, STEP_ONLY)),
      );
    }
    return reloadItems(items);
  }

  async function reloadItems(items: PreviewItem[]): Promise<PreviewItem[]> {
    const current = await loadBatch(
      audit,
      items.map((item) => item.attempt.attemptId),
    );
    return items.map((item, index) => ({ ...item, attempt: current?.[index] ?? item.attempt }));
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
      await writeNew(
        refusedActionRecord({ records, actorId: input.userId, detail, attemptId: newId(), at }),
        at,
      );
      return { kind: 'not_requester', record: stranger };
    }
    if (!records.some((r) => r.state === 'requested')) return { kind: 'duplicate', record: first };
    const halt = haltOf(pause);
    if (halt) return refuseWhileHalted(records, halt, input.reason);

    const decision = await policy.canRequest(input.userId, first.channelId);
    if (!decision.allowed) {
      const at = clock.now();
      const denied = await moveRequested(
        records,
        (record) =>
          advance(record, 'denied', at, {
            reason: input.reason,
            detail: `confirmation refused: ${decision.reason}`,
          }),
        STEP_ONLY,
      );
      if (!denied) return { kind: 'duplicate', record: first };
      return { kind: 'denied', record: denied.findLast((r) => r.state === 'denied') ?? first, decision };
    }
    if (settings.approvalMode === 'peer') return requestApproval(records, input.reason);
    if (records.length === 1) return confirmSingle(first, input.reason);

    const at = clock.now();
    const confirmed = await moveRequested(
      records,
      (record) => advance(record, 'confirmed', at, { reason: input.reason, approvalRequested: false }),
      { outcome: false },
    );
    if (!confirmed) return { kind: 'duplicate', record: first };
    return { kind: 'batch_finished', records: await execution.runBatch(confirmed, 'confirmed') };
  }

  /**
   * Moves the batch's `requested` attempts (as `move` says) in one write, each only if it is still
   * `requested`; the others are kept as they are. Null when another confirmation of the dialog won.
   */
  async function moveRequested(
    records: readonly AttemptRecord[],
    move: (record: AttemptRecord) => AttemptRecord,
    owing: Owing,
  ): Promise<AttemptRecord[] | null> {
    const moved = records.map((record) => (record.state === 'requested' ? move(record) : record));
    const transitions = moved.flatMap((record, index) =>
      records[index]!.state === 'requested' ? [{ from: 'requested' as const, record }] : [],
    );
    const at = new Date(
      Math.max(...transitions.map((t) => Date.parse(t.record.stateTimes[t.record.state]!))),
    );
    const owed = owedForAll(
      transitions.map((t) => t.record),
      owing,
    );
    const written = await recordOrRefuse(() => audit.write(transitions, at, owed));
    return written.ok ? moved : null;
  }

  /** A dialog confirmed while cancels are paused: its orders are closed as denied, naming the pause; nothing is sent. */
  async function refuseWhileHalted(
    records: AttemptRecord[],
    halt: Halt,
    reason: string,
  ): Promise<ConfirmResult> {
    const first = records[0]!;
    const at = clock.now();
    const closed = await moveRequested(
      records,
      (record) =>
        advance(record, 'denied', at, { reason, detail: `confirmation refused: ${describeHalt(halt)}` }),
      STEP_ONLY,
    );
    if (!closed) return { kind: 'duplicate', record: first };
    logger.info({ batchId: first.batchId, pause: halt.kind }, 'confirmation refused: cancels are paused');
    return { kind: 'paused', halt, records: closed };
  }

  /**
   * The common case, one order confirmed by its requester: the confirmation and the order's lock are one
   * durable write (a compare-and-set on `requested`), then the call runs under the lock as in a batch.
   */
  async function confirmSingle(requested: AttemptRecord, reason: string): Promise<ConfirmResult> {
    const at = clock.now();
    const confirmed = advance(requested, 'confirmed', at, { reason, approvalRequested: false });
    const calling = execution.startCalling(confirmed, at);
    const begun = await recordOrRefuse(() =>
      audit.write(
        [
          { from: 'requested', record: confirmed },
          { from: 'confirmed', record: calling },
        ],
        at,
      ),
    );
    if (!begun.ok && begun.conflict.kind === 'locked') {
      const { holder } = begun.conflict;
      const failed = execution.lockedOut(confirmed, holder, at);
      const closed = await recordOrRefuse(() =>
        audit.write(
          [
            { from: 'requested', record: confirmed },
            { from: 'confirmed', record: failed },
          ],
          at,
          owedFor(failed, STEP_ONLY),
        ),
      );
      if (!closed.ok) return { kind: 'duplicate', record: requested };
      logger.info({ orderNo: requested.orderNo, attemptId: requested.attemptId, holder }, 'order locked');
      return { kind: 'busy', record: failed, holderRequesterId: holder.requesterId };
    }
    if (!begun.ok) return { kind: 'duplicate', record: requested };
    // Its outcome post is owed by the write that records it (or, taken over, by the process that took it).
    const { record } = await execution.callUnderLock(calling);
    return { kind: 'finished', record };
  }

  /**
   * Peer mode: checks each order now (the status seen at confirmation becomes `statusBefore`), records the
   * confirmations, marked as waiting for approval, in one write with the approval request they owe (one
   * message for the orders that may still be cancelled).
   */
  async function requestApproval(records: AttemptRecord[], reason: string): Promise<ConfirmResult> {
    const pending = records.filter((r) => r.state === 'requested');
    const checks = await checkAll(pending);
    const at = clock.now();
    const checked = new Map(pending.map((record, index) => [record.attemptId, checks[index]!]));
    const current = await moveRequested(
      records,
      (record) => {
        const check = checked.get(record.attemptId)!;
        return check.confirmable
          ? advance(record, 'confirmed', at, { reason, statusBefore: check.status, approvalRequested: true })
          : advance(record, 'failed', at, { reason, statusBefore: check.status, detail: checkDetail(check) });
      },
      { outcome: false },
    );
    if (!current) return { kind: 'duplicate', record: records[0]! };
    const awaiting = current.filter((r) => r.state === 'confirmed');
    if (awaiting.length === 0) return { kind: 'nothing_to_cancel', records: current };
    return { kind: 'awaiting_approval', records: current };
  }

  /** Closes an attempt that can never be confirmed (its dialog never opened); best effort. */
  async function abandon(record: AttemptRecord, detail: string): Promise<void> {
    const at = clock.now();
    try {
      const failed = advance(record, 'failed', at, { detail });
      await audit.write([{ from: 'requested', record: failed }], at, owedFor(failed, STEP_ONLY));
    } catch (error) {
      logger.error({ err: error, attemptId: record.attemptId }, 'could not record the abandoned request');
    }
  }

  return { request, preview, confirm, abandon };
}
