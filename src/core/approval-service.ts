import type { Logger } from 'pino';
import { advance } from './attempt.js';
import type { CancelExecution } from './cancel-execution.js';
import type { InFlight } from './in-flight.js';
import { loadBatch } from './load-batch.js';
import { owedForAll } from './owed-messages.js';
import { describeHalt, type Halt, haltOf, type PauseGate } from './pause-state.js';
import type { AccessDecision, CancelPolicy } from './policy.js';
import type { AttemptRecord, AttemptState, AuditStore, Transition } from './ports/audit.js';
import type { Clock } from './ports/clock.js';
import { recordOrRefuse } from './record-or-refuse.js';
import { refusedActionRecord } from './refused-action.js';

export interface ApprovalServiceDeps {
  execution: CancelExecution;
  audit: AuditStore;
  policy: CancelPolicy;
  clock: Clock;
  newId: () => string;
  inFlight: InFlight;
  /** While paused an approval changes nothing: the request stays pending until it expires or cancels resume. */
  pause: PauseGate;
  logger: Logger;
  approvalTtlMs: number;
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

/** A batch's waiting attempts moved, or why not: decided by someone else first, or past its time to live. */
type Moved = { ok: true; records: AttemptRecord[] } | { ok: false; conflict: 'decided' | 'too_late' };

export type ApprovalService = ReturnType<typeof createApprovalService>;

/**
 * An attempt confirmed in peer mode: it waits for a decision. Said by the confirmation itself; on records from
 * before that, by its posted approval request.
 */
export function isAwaitingApproval(record: AttemptRecord): boolean {
  return record.state === 'confirmed' && (record.approvalRequested ?? record.notifiedVia !== null);
}

/**
 * Four-eyes approval of a confirmed batch. A decision is bound to exactly the attempts that were posted for
 * approval and is taken at most once (`decide:<batchId>` across every replica): a second click, a second
 * approver, or the expiry sweep racing a click change nothing after the first.
 */
export function createApprovalService(deps: ApprovalServiceDeps) {
  const { execution, audit, policy, clock, newId, inFlight, logger } = deps;
  const ttlMs = deps.approvalTtlMs;

  const expiresAt = (records: readonly AttemptRecord[]) => {
    const confirmedAt =
      records.find((r) => r.stateTimes.confirmed)?.stateTimes.confirmed ?? clock.now().toISOString();
    return new Date(Date.parse(confirmedAt) + ttlMs);
  };

  /** Who may decide, without deciding: used before the Reject dialog opens and by every decision. */
  async function screen(
    input: DecisionInput,
  ): Promise<Refusal | { kind: 'may_decide'; records: AttemptRecord[] }> {
    const records = await loadBatch(audit, input.attemptIds);
    if (!records) return { kind: 'unknown_request' };
    if (!records.some(isAwaitingApproval)) return { kind: 'already_decided', records };
    // By this process's clock first, to answer at once; the database's clock decides (see `expire`).
    if (clock.now().getTime() >= expiresAt(records).getTime() && (await expire(records)) !== 'too_early') {
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
    const denied =
      decision.reason === 'directory_unavailable'
        ? null
        : await transition(records, 'denied', { approverIds: [actorId], detail });
    if (!denied?.ok) {
      await recordRefusedClick(records, actorId, detail);
      return { kind: 'requester_not_allowed', records, decision };
    }
    logger.info({ batchId, reason: decision.reason }, 'approval refused: the requester may no longer cancel');
    return { kind: 'requester_not_allowed', records: denied.records, decision };
  }

  /** A click that changes nothing is still audited, as its own denied record in the same batch. */
  async function recordRefusedClick(
    records: AttemptRecord[],
    actorId: string,
    detail: string,
  ): Promise<void> {
    const at = clock.now();
    const record = refusedActionRecord({ records, actorId, detail, attemptId: newId(), at });
    await recordOrRefuse(() => audit.write([{ from: null, record }], at));
  }

  async function approve(input: DecisionInput): Promise<DecisionResult> {
    return inFlight.track(
      decide(
        input,
        async (records) => {
          // Only while the request is younger than its time to live, by the database's clock.
          const approved = await transition(
            records,
            'approved',
            { approverIds: [input.actorId] },
            { inStateUnderMs: ttlMs },
          );
          if (!approved.ok) return approved;
          return { ok: true, records: await execution.runBatch(approved.records, 'approved') };
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
      return rejected;
    });
  }

  /**
   * A decision, taken at most once: its write moves every waiting attempt of the batch in one transaction,
   * each only if it is still waiting (a compare-and-set), so a second click, a second approver or the expiry
   * sweep racing a click change nothing after the first.
   */
  async function decide(
    input: DecisionInput,
    act: (records: AttemptRecord[]) => Promise<Moved>,
    refuse?: (records: AttemptRecord[]) => Promise<Refusal | null>,
  ): Promise<DecisionResult> {
    const screened = await screen(input);
    if (screened.kind !== 'may_decide') return screened;
    const refused = await refuse?.(screened.records);
    if (refused) return refused;
    const decided = await act(screened.records);
    if (!decided.ok && decided.conflict === 'too_late') {
      await expire(screened.records);
      return { kind: 'expired', records: screened.records };
    }
    if (!decided.ok) return { kind: 'already_decided', records: screened.records };
    return { kind: 'decided', records: decided.records };
  }

  /**
   * Moves the batch's waiting attempts to `state` in one write, with the new version of the batch's message
   * (and a Workflow step's completion) they owe; the others (closed by a check) are kept as they are. Not
   * written when any has been decided meanwhile, or when `guard` fails.
   */
  async function transition(
    records: readonly AttemptRecord[],
    state: AttemptState,
    patch: Partial<AttemptRecord>,
    guard?: Transition['guard'],
  ): Promise<Moved> {
    const at = clock.now();
    const moved = records.map((record) =>
      isAwaitingApproval(record) ? advance(record, state, at, patch) : record,
    );
    const transitions = moved.flatMap((record, index) =>
      isAwaitingApproval(records[index]!)
        ? [{ from: 'confirmed' as const, record, ...(guard ? { guard } : {}) }]
        : [],
    );
    const owed = owedForAll(
      transitions.map((t) => t.record),
      { outcome: false },
    );
    const written = await recordOrRefuse(() => audit.write(transitions, at, owed));
    if (written.ok) return { ok: true, records: moved };
    return { ok: false, conflict: written.conflict.kind === 'too_late' ? 'too_late' : 'decided' };
  }

  /**
   * Marks a batch expired, once, and says so on its message; only once its time to live has passed by the
   * database's clock (`too_early` otherwise).
   */
  async function expire(records: AttemptRecord[]): Promise<'expired' | 'decided' | 'too_early'> {
    const batchId = records[0]!.batchId;
    const detail = `nobody approved within ${Math.round(ttlMs / 60_000)} minutes`;
    const at = clock.now();
    const moved = records.map((record) =>
      isAwaitingApproval(record) ? advance(record, 'expired', at, { detail }) : record,
    );
    const transitions = moved.flatMap((record, index) =>
      isAwaitingApproval(records[index]!)
        ? [{ from: 'confirmed' as const, record, guard: { inStateAtLeastMs: ttlMs } }]
        : [],
    );
    if (transitions.length === 0) return 'decided';
    const owed = owedForAll(
      transitions.map((t) => t.record),
      { outcome: false },
    );
    const written = await recordOrRefuse(() => audit.write(transitions, at, owed));
    if (!written.ok) return written.conflict.kind === 'too_early' ? 'too_early' : 'decided';
    logger.info({ batchId, orders: transitions.length }, 'approval request expired');
    return 'expired';
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
      if (batch.expiresAt.getTime() <= now && (await expire(batch.records)) === 'expired') count += 1;
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
