import type {
  Annotation,
  AttemptRecord,
  AuditEvent,
  FenceRequest,
  FenceResult,
  LockHolder,
  Transition,
  WriteConflict,
} from '../core/ports/audit.js';
import { assertAllowedMove, holdsLock, VERDICTS_AFTER_WINDOW } from '../core/transitions.js';
import { assertAppendable } from './entry-row.js';

/**
 * What a write reads inside its transaction, whatever the backend (see `snapshotKeys`): the rules of
 * `AuditStore.write` and `fence` live here once, and each backend only reads, plans and applies.
 */
export interface WriteSnapshot {
  /** The database's clock, read once per transaction. */
  dbNow: Date;
  attempts: ReadonlyMap<string, { record: AttemptRecord; inStateForMs: number }>;
  /** Order locks by order number. */
  locks: ReadonlyMap<string, LockHolder>;
  /** The latest `acceptUntil` of each attempt's fences; absent when it never passed one. */
  acceptUntil: ReadonlyMap<string, string>;
}

/** The rows a write must read: its attempts, and the orders whose locks it may take. */
export function snapshotKeys(transitions: readonly Transition[]): {
  attemptIds: string[];
  orderNos: string[];
} {
  const attemptIds = new Set(transitions.map((t) => t.record.attemptId));
  const orderNos = new Set(transitions.flatMap((t) => (t.record.orderNo ? [t.record.orderNo] : [])));
  return { attemptIds: [...attemptIds], orderNos: [...orderNos] };
}

/** One entry to append, with what it does to its order's lock. */
export interface PlannedEntry {
  event: AuditEvent;
  record: AttemptRecord;
  /** True when this entry changes the attempt's state (an annotation does not). */
  changesState: boolean;
  takeLock: string | null;
  releaseLock: string | null;
}

export type WritePlan = { ok: true; entries: PlannedEntry[] } | { ok: false; conflict: WriteConflict };

/** Checks every transition against the table and the stored state, in order, and plans the entries. */
export function planWrite(transitions: readonly Transition[], reads: WriteSnapshot, at: Date): WritePlan {
  // Changes planned earlier in this write, seen by the later ones (one attempt may move twice).
  const planned = new Map<string, AttemptRecord>();
  const lockChanges = new Map<string, LockHolder | null>();
  const entries: PlannedEntry[] = [];
  for (const transition of transitions) {
    const { record, from } = transition;
    assertAllowedMove(from, record.state, transition.event);
    assertAppendable(transition.event ?? record.state, record, at);
    const stored = planned.has(record.attemptId)
      ? { record: planned.get(record.attemptId)!, inStateForMs: 0 }
      : (reads.attempts.get(record.attemptId) ?? null);
    const current = stored?.record ?? null;
    if ((current?.state ?? null) !== from) {
      return { ok: false, conflict: { kind: 'stale', attemptId: record.attemptId, current } };
    }
    if (current) assertSameAttempt(current, record);
    const timing = guardConflict(transition, stored, reads.dbNow);
    if (timing)
      return { ok: false, conflict: { kind: timing, attemptId: record.attemptId, current: current! } };

    let next = record;
    let takeLock: string | null = null;
    let releaseLock: string | null = null;
    if (holdsLock(record.state) && !holdsLock(from)) {
      const orderNo = requireOrderNo(record);
      const holder = lockChanges.has(orderNo)
        ? lockChanges.get(orderNo)!
        : (reads.locks.get(orderNo) ?? null);
      if (holder && holder.attemptId !== record.attemptId) {
        return { ok: false, conflict: { kind: 'locked', attemptId: record.attemptId, holder } };
      }
      takeLock = orderNo;
      lockChanges.set(orderNo, {
        attemptId: record.attemptId,
        requesterId: record.requesterId,
        since: reads.dbNow.toISOString(),
      });
    }
    if (holdsLock(from) && !holdsLock(record.state) && record.orderNo) {
      const holder = lockChanges.has(record.orderNo)
        ? lockChanges.get(record.orderNo)
        : reads.locks.get(record.orderNo);
      // Only this attempt's own lock: never one another attempt holds.
      if (holder?.attemptId === record.attemptId) {
        releaseLock = record.orderNo;
        lockChanges.set(record.orderNo, null);
      }
    }
    if (record.state === 'awaiting_verdict' && from !== 'awaiting_verdict') {
      next = { ...record, verdictAfter: verdictAfter(record, reads) };
    } else if (current?.verdictAfter !== undefined) {
      // Set by the store when the verdict began to be awaited: no later writer changes it.
      next = { ...record, verdictAfter: current.verdictAfter };
    }
    planned.set(record.attemptId, next);
    entries.push({
      event: transition.event ?? next.state,
      record: next,
      changesState: true,
      takeLock,
      releaseLock,
    });
  }
  return { ok: true, entries };
}

/**
 * A final "not cancelled" is a promise that no request this attempt signed can still be accepted by WDT; it
 * waits until the database's clock has passed `verdictAfter`. Other guards bound how long the attempt has
 * been in its state.
 */
function guardConflict(
  transition: Transition,
  stored: { record: AttemptRecord; inStateForMs: number } | null,
  dbNow: Date,
): 'too_early' | 'too_late' | null {
  if (!stored) return null;
  const { guard } = transition;
  if (guard?.inStateAtLeastMs !== undefined && stored.inStateForMs < guard.inStateAtLeastMs)
    return 'too_early';
  if (guard?.inStateUnderMs !== undefined && stored.inStateForMs >= guard.inStateUnderMs) return 'too_late';
  if (stored.record.state === 'awaiting_verdict' && VERDICTS_AFTER_WINDOW.includes(transition.record.state)) {
    const after = stored.record.verdictAfter;
    if (after !== undefined && dbNow.getTime() < Date.parse(after)) return 'too_early';
  }
  return null;
}

/** The latest of: now, the writer's floor (`record.verdictAfter`), and what the attempt's fences allow. */
function verdictAfter(record: AttemptRecord, reads: WriteSnapshot): string {
  const accepted = reads.acceptUntil.get(record.attemptId);
  const times = [reads.dbNow.getTime(), Date.parse(record.verdictAfter ?? ''), Date.parse(accepted ?? '')];
  return new Date(Math.max(...times.filter((t) => Number.isFinite(t)))).toISOString();
}

/** A transition moves one attempt: what identifies it, and what order it is about, never change. */
function assertSameAttempt(stored: AttemptRecord, next: AttemptRecord): void {
  for (const field of ['batchId', 'orderNo', 'requesterId', 'channelId'] as const) {
    if (stored[field] !== next[field]) {
      throw new TypeError(`audit: a transition of ${stored.attemptId} may not change its ${field}`);
    }
  }
}

function requireOrderNo(record: AttemptRecord): string {
  if (!record.orderNo) throw new TypeError(`audit: ${record.state} needs record.orderNo to lock`);
  return record.orderNo;
}

/**
 * The `notified` entry of an annotation: the attempt as it is now, with the note; its state unchanged. Null
 * for a second completion of the attempt's Workflow step: one is recorded, whoever completed it first.
 */
export function planAnnotation(current: AttemptRecord, note: Annotation): PlannedEntry | null {
  if (note.stepCompletedAt !== undefined && current.stepCompletedAt) return null;
  const known = Object.fromEntries(Object.entries(note).filter(([, value]) => value !== undefined));
  return {
    event: 'notified',
    record: { ...current, ...known },
    changesState: false,
    takeLock: null,
    releaseLock: null,
  };
}

/** What a fence reads inside its transaction. */
export interface FenceSnapshot {
  dbNow: Date;
  attempt: AttemptRecord | null;
  /** The attempt holding the order's lock, if any. */
  lockHolderId: string | null;
  leaseLive: boolean;
  paused: boolean;
  /** The attempt's latest `acceptUntil` so far. */
  acceptUntil: string | null;
}

/**
 * The fence's verdict, and when it passes, the `acceptUntil` to keep: the fence's time plus `acceptForMs`
 * plus the skew between the signing time and the database's clock (WDT judges the signed timestamp by its
 * own clock), never earlier than an earlier fence's.
 */
export function judgeFence(request: FenceRequest, reads: FenceSnapshot): FenceResult {
  if (Number.isNaN(request.signingAt.getTime())) throw new TypeError('audit: fence needs a valid signingAt');
  const current = reads.attempt;
  const refuse = (reason: Extract<FenceResult, { ok: false }>['reason']): FenceResult => ({
    ok: false,
    reason,
    current,
  });
  if (current && current.orderNo !== request.orderNo) {
    throw new TypeError(
      `audit: fence for ${request.orderNo}, but ${request.attemptId} is about ${current.orderNo}`,
    );
  }
  if (current?.state !== 'calling' || current.instanceId !== request.instanceId) return refuse('superseded');
  if (reads.lockHolderId !== request.attemptId) return refuse('lock_lost');
  if (!reads.leaseLive) return refuse('lease_expired');
  if (reads.paused) return refuse('paused');
  const now = reads.dbNow.getTime();
  const skewMs = Math.abs(now - request.signingAt.getTime());
  const until = now + Math.max(0, request.acceptForMs) + skewMs;
  const earlier = Date.parse(reads.acceptUntil ?? '');
  return {
    ok: true,
    acceptUntil: new Date(Number.isFinite(earlier) ? Math.max(until, earlier) : until).toISOString(),
  };
}
