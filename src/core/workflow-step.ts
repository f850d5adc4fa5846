import type { Logger } from 'pino';
import { isAwaitingApproval } from './approval-service.js';
import { advance, FINAL_STATES } from './attempt.js';
import type { CancelService, ConfirmResult } from './cancel-service.js';
import { owedFor } from './owed-messages.js';
import type { Halt } from './pause-state.js';
import type { AccessDecision } from './policy.js';
import type { AttemptRecord, AuditStore } from './ports/audit.js';
import type { Clock } from './ports/clock.js';
import type { StepCompleter } from './ports/step-completer.js';

export interface StepInput {
  functionExecutionId: string;
  teamId: string | null;
  /** The step's `requester` input: the person whose policy is checked and who confirms, never the bot. */
  requesterId: string;
  /** The step's `outcome_channel` input: where the outcome goes, and the channel the policy checks. */
  channelId: string;
  orderNos: string[];
  reason: string;
}

export type StepRun =
  | { kind: 'denied'; decision: Extract<AccessDecision, { allowed: false }>; record: AttemptRecord }
  | { kind: 'paused'; halt: Halt; record: AttemptRecord }
  | { kind: 'confirmed'; attemptIds: string[]; result: ConfirmResult };

/**
 * A Workflow Builder step asking to cancel: the same request, preview and confirmation as a person going
 * through the dialog, with the step's requester as that person and its reason as theirs. Every record
 * carries the step's execution id, so whoever sees the batch end (this call, an approval, the expiry sweep,
 * the reconciler after a crash) can complete the step.
 */
export async function runCancelStep(cancel: CancelService, input: StepInput): Promise<StepRun> {
  const requested = await cancel.request({
    teamId: input.teamId,
    channelId: input.channelId,
    userId: input.requesterId,
    orderNos: input.orderNos,
    origin: { entryPoint: 'workflow_step', functionExecutionId: input.functionExecutionId },
  });
  if (requested.kind === 'denied' || requested.kind === 'paused') return requested;
  const attemptIds = requested.attempts.map((a) => a.attemptId);
  await cancel.preview(requested.attempts);
  const result = await cancel.confirm({ attemptIds, userId: input.requesterId, reason: input.reason });
  return { kind: 'confirmed', attemptIds, result };
}

const isFinal = (record: AttemptRecord) => FINAL_STATES.includes(record.state);

export interface SettleDeps {
  audit: AuditStore;
  steps: StepCompleter;
  clock: Clock;
  logger: Logger;
  /**
   * A step's order still `requested`, or `confirmed` but neither waiting for approval nor running, this long
   * after its last change belongs to a process that stopped mid-step: it is closed as failed (nothing was
   * sent for it) so that the step can be completed.
   */
  staleAfterMs: number;
  /** How many of the newest attempts to look through. */
  window?: number;
}

/**
 * The settlement sweep, run with every reconciliation pass: completes the step of every batch whose orders
 * are all final but whose step was never completed (the process stopped first, or Slack did not answer),
 * and closes the orders a stopped process left behind. Attempts still `calling` are the reconciler's.
 */
export async function settleStaleSteps(deps: SettleDeps): Promise<number> {
  const { audit, clock } = deps;
  const recent = await audit.recentAttempts({ limit: deps.window ?? 1_000 });
  const batches = new Map<string, AttemptRecord[]>();
  for (const record of recent) {
    if (!record.functionExecutionId || record.stepCompletedAt) continue;
    batches.set(record.batchId, [...(batches.get(record.batchId) ?? []), record]);
  }
  let settled = 0;
  for (const records of batches.values()) {
    const current: AttemptRecord[] = [];
    for (const record of records) current.push(await closeIfStale(deps, record));
    if (!current.every(isFinal)) continue;
    await deps.steps.settle(current);
    settled += 1;
  }
  if (settled > 0) deps.logger.info({ settled, at: clock.now().toISOString() }, 'settled workflow steps');
  return settled;
}

/**
 * Closes an order a stopped process left before sending it: still `requested`, or `confirmed` (not waiting
 * for approval) or `approved` but not running, for longer than `staleAfterMs` by the database's clock. The
 * move is a compare-and-set with that age as its guard, so a batch that picks the order up at the same
 * moment either runs it or finds it closed, never both.
 */
export async function closeIfStale(
  deps: Pick<SettleDeps, 'audit' | 'clock' | 'logger' | 'staleAfterMs'>,
  record: AttemptRecord,
): Promise<AttemptRecord> {
  const stale =
    record.state === 'requested' ||
    record.state === 'approved' ||
    (record.state === 'confirmed' && !isAwaitingApproval(record));
  if (!stale) return record;
  const now = deps.clock.now();
  const failed = advance(record, 'failed', now, {
    wdtOutcome: 'not_sent',
    detail: 'the bot stopped before this order was sent; nothing was sent',
  });
  const written = await deps.audit.write(
    [{ from: record.state, record: failed, guard: { inStateAtLeastMs: deps.staleAfterMs } }],
    now,
    owedFor(failed, { outcome: false }),
  );
  if (!written.ok) return written.conflict.kind === 'stale' ? (written.conflict.current ?? record) : record;
  deps.logger.warn(
    { attemptId: record.attemptId, orderNo: record.orderNo },
    'closed an order a stopped process left',
  );
  return failed;
}

/**
 * The orders every stopped process left before sending them, whatever way they came in: closed once they
 * have been idle longer than the longest batch, so that no attempt stays unfinished for ever.
 */
export async function closeStaleOrders(
  deps: Pick<SettleDeps, 'audit' | 'clock' | 'logger' | 'staleAfterMs'>,
): Promise<number> {
  const idle = await deps.audit.idleAttempts({
    states: ['confirmed', 'approved'],
    idleForMs: deps.staleAfterMs,
    limit: 100,
  });
  let closed = 0;
  for (const { record } of idle) {
    if ((await closeIfStale(deps, record)).state === 'failed' && record.state !== 'failed') closed += 1;
  }
  return closed;
}
