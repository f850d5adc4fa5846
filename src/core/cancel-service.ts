import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { AuditUnavailableError, ShuttingDownError } from '../errors.js';
import { advance, newAttempt } from './attempt.js';
import type { InFlight } from './in-flight.js';
import { stateForCancelOutcome } from './outcome-state.js';
import type { AccessDecision, CancelPolicy } from './policy.js';
import type { AttemptRecord, AuditStore } from './ports/audit.js';
import type { Clock } from './ports/clock.js';
import type { Delivery, OutcomeNotifier } from './ports/notifier.js';
import type { WdtPort } from './ports/wdt.js';

export interface CancelServiceDeps {
  wdt: WdtPort;
  audit: AuditStore;
  policy: CancelPolicy;
  notifier: OutcomeNotifier;
  clock: Clock;
  newId: () => string;
  inFlight: InFlight;
  logger: Logger;
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

export interface ConfirmInput {
  attemptId: string;
  userId: string;
  reason: string;
}

export type ConfirmResult =
  | { kind: 'unknown_request' }
  | { kind: 'not_requester'; record: AttemptRecord }
  | { kind: 'duplicate'; record: AttemptRecord }
  | { kind: 'denied'; record: AttemptRecord; decision: Extract<AccessDecision, { allowed: false }> }
  | { kind: 'busy'; record: AttemptRecord; holderRequesterId: string }
  | { kind: 'finished'; record: AttemptRecord; delivery: Delivery };

export type CancelService = ReturnType<typeof createCancelService>;

const OUTCOME_WRITE_ATTEMPTS = 5;
const OUTCOME_WRITE_BACKOFF_MS = 250;

/**
 * The cancel use case. It knows nothing of Slack: it decides who may cancel, writes the audit trail around
 * the one WDT call, and hands the outcome to the notifier. Every durable write that guards the call happens
 * before the call; a failure to write stops the cancel.
 */
export function createCancelService(deps: CancelServiceDeps) {
  const { wdt, audit, policy, notifier, clock, newId, inFlight, logger } = deps;

  async function write<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new AuditUnavailableError(error);
    }
  }

  async function request(input: RequestInput): Promise<RequestResult> {
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

  async function confirm(input: ConfirmInput): Promise<ConfirmResult> {
    if (!inFlight.accepting) throw new ShuttingDownError();
    return inFlight.track(confirmTracked(input));
  }

  async function confirmTracked(input: ConfirmInput): Promise<ConfirmResult> {
    const requested = await write(() => audit.findAttempt(input.attemptId));
    if (!requested) return { kind: 'unknown_request' };
    if (requested.requesterId !== input.userId) return { kind: 'not_requester', record: requested };
    if (requested.state !== 'requested') return { kind: 'duplicate', record: requested };
    if (!(await write(() => audit.claimOnce(`confirm:${requested.attemptId}`, clock.now())))) {
      return { kind: 'duplicate', record: requested };
    }

    const decision = await policy.canRequest(input.userId, requested.channelId);
    if (!decision.allowed) {
      const at = clock.now();
      const denied = advance(requested, 'denied', at, {
        reason: input.reason,
        detail: `confirmation refused: ${decision.reason}`,
      });
      await write(() => audit.append('denied', denied, at));
      return { kind: 'denied', record: denied, decision };
    }

    const confirmedAt = clock.now();
    const confirmed = advance(requested, 'confirmed', confirmedAt, { reason: input.reason });
    await write(() => audit.append('confirmed', confirmed, confirmedAt));
    return execute(confirmed);
  }

  async function execute(confirmed: AttemptRecord): Promise<ConfirmResult> {
    const callingAt = clock.now();
    const calling = advance(confirmed, 'calling', callingAt);
    const begun = await write(() => audit.beginCall(calling, callingAt));
    if (!begun.ok) {
      const at = clock.now();
      const failed = advance(confirmed, 'failed', at, {
        detail: `another cancel of ${confirmed.orderNo} is in flight (attempt ${begun.holder.attemptId})`,
      });
      await write(() => audit.append('failed', failed, at));
      return { kind: 'busy', record: failed, holderRequesterId: begun.holder.requesterId };
    }

    const outcome = await wdt.cancelStockin(confirmed.orderNo!);
    const { state, patch } = stateForCancelOutcome(outcome);
    const finishedAt = clock.now();
    const finished = advance(calling, state, finishedAt, patch);
    await recordOutcome(finished, finishedAt);
    logger.info(
      { attemptId: finished.attemptId, orderNo: finished.orderNo, state, wdtOutcome: outcome.kind },
      'cancel finished',
    );
    const delivery = await announce(finished);
    return { kind: 'finished', record: finished, delivery };
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
    const delivery = await notifier.publishOutcome(record);
    const at = clock.now();
    const noted: AttemptRecord = {
      ...record,
      slackChannelId: delivery.channelId,
      slackTs: delivery.ts,
      notifiedVia: delivery.via,
    };
    try {
      await audit.append('notified', noted, at);
    } catch (error) {
      logger.error(
        { err: error, attemptId: record.attemptId },
        'could not record where the outcome was posted',
      );
    }
    return delivery;
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

  return { request, confirm, announce, abandon };
}
