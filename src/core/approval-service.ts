import type { Logger } from 'pino';
import { advance } from './attempt.js';
import type { CancelExecution } from './cancel-execution.js';
import type { InFlight } from './in-flight.js';
import { loadBatch } from './load-batch.js';
import { describeHalt, type Halt, haltOf, type PauseGate } from './pause-state.js';
import type { AccessDecision, CancelPolicy } from './policy.js';
import type { AttemptRecord, AttemptState, AuditStore } from './ports/audit.js';
import type { Clock } from './ports/clock.js';
import type { Delivery, OutcomeNotifier } from './ports/notifier.js';
import type { StepCompleter } from './ports/step-completer.js';
import { recordOrRefuse } from './record-or-refuse.js';
import { refusedActionRecord } from './refused-action.js';

export interface ApprovalServiceDeps {
  execution: CancelExecution;
  audit: AuditStore;
  policy: CancelPolicy;
  notifier: OutcomeNotifier;
  clock: Clock;
  newId: () => string;
  inFlight: InFlight;
  /** While paused an approval changes nothing: the request stays pending until it expires or cancels resume. */
  pause: PauseGate;
  logger: Logger;
  approvalTtlMs: number;
  /** Completes the Workflow Builder step a decided batch came from (peer mode makes a step wait for it). */
  steps?: StepCompleter;
}

export interface DecisionInput {
  /** The attempts the approval request was posted for (sealed in its buttons). */
  attemptIds: readonly string[];
  actorId: string;
}

export type Refusal =
  | { kind: 'unknown_request' }
  | { kind: 'already_decided'; records: AttemptRecord[] }
  | { kind: 'expired'; records: AttemptRecord[] }
  | { kind: 'self_approval'; records: AttemptRecord[] }
  | { kind: 'paused'; records: AttemptRecord[]; halt: Halt }
  | { kind: 'not_approver'; records: AttemptRecord[]; decision: Extract<AccessDecision, { allowed: false }> }
  | {
      kind: 'requester_not_allowed';
      records: AttemptRecord[];
      decision: Extract<AccessDecision, { allowed: false }>;
    };

export type DecisionResult = Refusal | { kind: 'decided'; records: AttemptRecord[] };

export type ApprovalService = ReturnType<typeof createApprovalService>;

/** An attempt confirmed in peer mode whose approval request has been posted: it waits for a decision. */
export function isAwaitingApproval(record: AttemptRecord): boolean {
  return record.state === 'confirmed' && record.notifiedVia !== null;
}

/**
 * Four-eyes approval of a confirmed batch. A decision is bound to exactly the attempts that were posted for
 * approval and is taken at most once (`decide:<batchId>` across every replica): a second click, a second
 * approver, or the expiry sweep racing a click change nothing after the first.
 */
export function createApprovalService(deps: ApprovalServiceDeps) {
  const { execution, audit, policy, notifier, clock, newId, inFlight, logger } = deps;
  const ttlMs = deps.approvalTtlMs;

  const expiresAt = (records: readonly AttemptRecord[]) => {
    const confirmedAt =
      records.find((r) => r.stateTimes.confirmed)?.stateTimes.confirmed ?? clock.now().toISOString();
    return new Date(Date.parse(confirmedAt) + ttlMs);
  };

  const deliveryOf = (record: AttemptRecord): Delivery => ({
    via: record.slackTs ? 'channel' : 'none',
    channelId: record.slackChannelId,
    ts: record.slackTs,
    channelError: null,
  });

  /** Who may decide, without deciding: used before the Reject dialog opens and by every decision. */
  async function screen(
    input: DecisionInput,
  ): Promise<Refusal | { kind: 'may_decide'; records: AttemptRecord[] }> {
    const records = await loadBatch(audit, input.attemptIds);
    if (!records) return { kind: 'unknown_request' };
    if (!records.some(isAwaitingApproval)) return { kind: 'already_decided', records };
    if (clock.now().getTime() >= expiresAt(records).getTime()) {
      await expire(records);
      return { kind: 'expired', records };
    }
    const requesterId = records[0]!.requesterId;
    if (input.actorId === requesterId) {
      await recordRefusedClick(records, input.actorId, 'self-approval refused: the requester cannot approve');
      return { kind: 'self_approval', records };
    }
    const decision = await policy.canApprove(input.actorId);
    if (!decision.allowed) {
      await recordRefusedClick(records, input.actorId, `approval refused: ${decision.reason}`);
      return { kind: 'not_approver', records, decision };
    }
    // The requester's right to cancel (user, groups, channel) may have been withdrawn since they confirmed.
    const requester = await policy.canRequest(requesterId, records[0]!.channelId);
    if (!requester.allowed) return refuseForRequester(records, input.actorId, requester);
    return { kind: 'may_decide', records };
  }

  /**
   * The requester may no longer cancel: the request is closed as denied, once, and its message says so. When
   * the directory could not be read the click alone is refused (audited), so a retry can still succeed.
   */
  async function refuseForRequester(
    records: AttemptRecord[],
    actorId: string,
    decision: Extract<AccessDecision, { allowed: false }>,
  ): Promise<Refusal> {
    const detail = `approval refused: the requester may no longer cancel (${decision.reason})`;
    const batchId = records[0]!.batchId;
    if (
      decision.reason === 'directory_unavailable' ||
      !(await recordOrRefuse(() => audit.claimOnce(`decide:${batchId}`, clock.now())))
    ) {
      await recordRefusedClick(records, actorId, detail);
      return { kind: 'requester_not_allowed', records, decision };
    }
    const denied = await transition(records, 'denied', { approverIds: [actorId], detail });
    await notifier.updateBatch(deliveryOf(denied[0]!), denied, await execution.doneStage());
    logger.info({ batchId, reason: decision.reason }, 'approval refused: the requester may no longer cancel');
    return { kind: 'requester_not_allowed', records: denied, decision };
  }

  /** A click that changes nothing is still audited, as its own denied record in the same batch. */
  async function recordRefusedClick(
    records: AttemptRecord[],
    actorId: string,
    detail: string,
  ): Promise<void> {
    const at = clock.now();
    const record = refusedActionRecord({ records, actorId, detail, attemptId: newId(), at });
    await recordOrRefuse(() => audit.append('denied', record, at));
  }

  async function approve(input: DecisionInput): Promise<DecisionResult> {
    return inFlight.track(
      decide(
        input,
        async (records) => {
          const approved = await transition(records, 'approved', { approverIds: [input.actorId] });
          const { records: finished } = await execution.runBatch(approved, deliveryOf(approved[0]!));
          return finished;
        },
        (records) => refuseWhilePaused(records, input.actorId),
      ),
    );
  }

  /** Before the decision is taken: while paused the click is refused (audited) and the request stays pending. */
  async function refuseWhilePaused(records: AttemptRecord[], actorId: string): Promise<Refusal | null> {
    const halt = haltOf(deps.pause);
    if (!halt) return null;
    await recordRefusedClick(records, actorId, `approval refused: ${describeHalt(halt)}`);
    logger.info({ batchId: records[0]!.batchId, actorId }, 'approval refused: cancels are paused');
    return { kind: 'paused', records, halt };
  }

  async function reject(input: DecisionInput & { reason: string }): Promise<DecisionResult> {
    return decide(input, async (records) => {
      const rejected = await transition(records, 'rejected', {
        approverIds: [input.actorId],
        // The rejecter is in approverIds; the detail is their reason, as they wrote it.
        detail: input.reason,
      });
      await notifier.updateBatch(deliveryOf(rejected[0]!), rejected, await execution.doneStage());
      return rejected;
    });
  }

  async function decide(
    input: DecisionInput,
    act: (records: AttemptRecord[]) => Promise<AttemptRecord[]>,
    refuse?: (records: AttemptRecord[]) => Promise<Refusal | null>,
  ): Promise<DecisionResult> {
    const screened = await screen(input);
    if (screened.kind !== 'may_decide') return screened;
    const refused = await refuse?.(screened.records);
    if (refused) return refused;
    const batchId = screened.records[0]!.batchId;
    if (!(await recordOrRefuse(() => audit.claimOnce(`decide:${batchId}`, clock.now())))) {
      return { kind: 'already_decided', records: screened.records };
    }
    const decided = await act(screened.records);
    await deps.steps?.settle(decided);
    return { kind: 'decided', records: decided };
  }

  /** Moves the batch's waiting attempts to `state`; the others (closed by a check) are kept as they are. */
  async function transition(
    records: readonly AttemptRecord[],
    state: AttemptState,
    patch: Partial<AttemptRecord>,
  ): Promise<AttemptRecord[]> {
    const next: AttemptRecord[] = [];
    for (const record of records) {
      if (!isAwaitingApproval(record)) {
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

  /** Marks a batch expired, once, and says so on its message. */
  async function expire(records: AttemptRecord[]): Promise<boolean> {
    const batchId = records[0]!.batchId;
    if (!(await recordOrRefuse(() => audit.claimOnce(`decide:${batchId}`, clock.now())))) return false;
    const expired = await transition(records, 'expired', {
      detail: `nobody approved within ${Math.round(ttlMs / 60_000)} minutes`,
    });
    await notifier.updateBatch(deliveryOf(expired[0]!), expired, await execution.doneStage());
    await deps.steps?.settle(expired);
    logger.info({ batchId, orders: expired.length }, 'approval request expired');
    return true;
  }

  /** Approval requests still waiting, grouped by batch, oldest first. */
  async function pending(): Promise<{ records: AttemptRecord[]; expiresAt: Date }[]> {
    const waiting = (await audit.recentAttempts({ states: ['confirmed'], limit: 1_000 })).filter(
      isAwaitingApproval,
    );
    const batches = new Map<string, AttemptRecord[]>();
    for (const record of [...waiting].reverse()) {
      const list = batches.get(record.batchId) ?? [];
      list.push(record);
      batches.set(record.batchId, list);
    }
    return [...batches.values()].map((records) => ({ records, expiresAt: expiresAt(records) }));
  }

  /** The periodic sweep: every request past its time is marked expired and its message updated. */
  async function expireDue(): Promise<number> {
    let count = 0;
    const now = clock.now().getTime();
    for (const batch of await pending()) {
      if (batch.expiresAt.getTime() <= now && (await expire(batch.records))) count += 1;
    }
    return count;
  }

  /** Requests this person may act on now: not their own, not expired, and only if they may approve. */
  async function pendingFor(userId: string): Promise<{ records: AttemptRecord[]; expiresAt: Date }[]> {
    if (!(await policy.canApprove(userId)).allowed) return [];
    const now = clock.now().getTime();
    return (await pending()).filter(
      (batch) => batch.records[0]!.requesterId !== userId && batch.expiresAt.getTime() > now,
    );
  }

  return { screen, approve, reject, expireDue, pendingFor, expiresAt };
}
