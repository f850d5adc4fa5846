import { isAwaitingApproval } from './approval-service.js';
import { newAttempt } from './attempt.js';
import { owedForControl } from './owed-messages.js';
import type { PauseState, PauseView } from './pause-state.js';
import type { AttemptRecord, AuditStore, ControlEntry, ControlEvent, ControlRecord } from './ports/audit.js';
import type { Clock } from './ports/clock.js';
import { recordOrRefuse } from './record-or-refuse.js';

export interface OperatorInput {
  adminId: string;
  teamId: string | null;
  /** Where the admin typed the command. */
  channelId: string;
}

export type PauseResult =
  | { kind: 'paused'; entry: ControlEntry }
  | { kind: 'already_paused'; view: PauseView };
export type ResumeResult =
  | { kind: 'resumed'; entry: ControlEntry; pausedSince: string | null }
  | { kind: 'not_paused' };

/** What `status` reports: the pause, and what is happening now across every replica. */
export interface OperatorStatus {
  pause: PauseView;
  /**
   * Attempts holding their order's lock: `calling` (their call to WDT has begun and no outcome is recorded) or
   * `awaiting_verdict` (its outcome is not known yet; the verdict comes once WDT can no longer accept it).
   */
  calling: AttemptRecord[];
  /** Approval requests (batches) waiting for a second person. */
  pendingApprovals: number;
}

export type OperatorControl = ReturnType<typeof createOperatorControl>;

/**
 * Pause and resume: each one `paused` / `resumed` entry in the audit chain, written only when it changes the
 * state (two admins pausing at once write one entry). Every replica's pause state reads it within a second.
 */
export function createOperatorControl(deps: {
  audit: AuditStore;
  pauseState: PauseState;
  clock: Clock;
  newId: () => string;
  wdtHost: string;
}) {
  const { audit, clock } = deps;

  async function record(kind: ControlEvent, input: OperatorInput, reason: string | null) {
    const at = clock.now();
    const control = controlRecord({ ...input, kind, reason, at, id: deps.newId(), wdtHost: deps.wdtHost });
    // The audit channel hears of it through the outbox, owed in the same write.
    const change = await recordOrRefuse(() =>
      audit.recordControl(control, at, [owedForControl(control, at)]),
    );
    // This replica sees its own change at once; the others within their next read.
    await deps.pauseState.refresh();
    return change;
  }

  async function pause(input: OperatorInput & { reason: string }): Promise<PauseResult> {
    const change = await record('paused', input, input.reason);
    if (change.changed) return { kind: 'paused', entry: change.entry };
    return { kind: 'already_paused', view: deps.pauseState.current() };
  }

  async function resume(input: OperatorInput): Promise<ResumeResult> {
    const before = deps.pauseState.current();
    const change = await record('resumed', input, null);
    if (!change.changed) return { kind: 'not_paused' };
    return {
      kind: 'resumed',
      entry: change.entry,
      pausedSince: before.kind === 'paused' ? before.since : null,
    };
  }

  async function status(): Promise<OperatorStatus> {
    const [pause, held, confirmed] = await Promise.all([
      deps.pauseState.refresh(),
      audit.heldCalls(),
      audit.recentAttempts({ states: ['confirmed'], limit: 1_000 }),
    ]);
    const calling = held.map((call) => call.record);
    const pendingApprovals = new Set(confirmed.filter(isAwaitingApproval).map((r) => r.batchId)).size;
    return { pause, calling, pendingApprovals };
  }

  return { pause, resume, status };
}

/** The record of a `paused` / `resumed` entry: about no order, by the admin, where they typed it. */
export function controlRecord(
  fields: OperatorInput & {
    kind: ControlEvent;
    reason: string | null;
    at: Date;
    id: string;
    wdtHost: string;
  },
): ControlRecord {
  // An attempt's shape, so that verify, export and show read it like any other entry; then made a control.
  const {
    state: _state,
    stateTimes: _times,
    ...shape
  } = newAttempt({
    attemptId: fields.id,
    batchId: fields.id,
    teamId: fields.teamId,
    channelId: fields.channelId,
    requesterId: fields.adminId,
    orderNo: null,
    wdtHost: fields.wdtHost,
    state: 'requested',
    at: fields.at,
    detail: fields.kind === 'paused' ? 'operator paused every cancel' : 'operator resumed cancels',
  });
  return {
    ...shape,
    reason: fields.reason,
    state: fields.kind,
    stateTimes: { [fields.kind]: fields.at.toISOString() },
  };
}
