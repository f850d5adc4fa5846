import type {
  Annotation,
  AttemptRecord,
  AuditEntry,
  AuditEvent,
  ControlRecord,
  FenceRequest,
  FenceResult,
  LockHolder,
  Transition,
  WriteResult,
} from '../../core/ports/audit.js';
import type { OutboxItem } from '../../core/ports/outbox.js';
import { assertAppendable, buildEntry, controlAsRecord, type EntryRow } from '../entry-row.js';
import { GENESIS_HASH } from '../hash-chain.js';
import { owedColumns } from '../outbox-columns.js';
import {
  judgeFence,
  type PlannedEntry,
  planAnnotation,
  planWrite,
  snapshotKeys,
  type WriteSnapshot,
} from '../plan-write.js';
import type { Statements } from './session.js';

/**
 * The bodies of the SQLite store's writes, each run inside one transaction (a savepoint when group-committed):
 * read what `plan-write.ts` needs, plan, apply. better-sqlite3 is synchronous, so nothing else runs in this
 * process between the read and the write, and `BEGIN IMMEDIATE` keeps other processes out.
 */
export function attemptWrites(stmts: Statements, now: () => Date, nextId: () => string) {
  const snapshot = (transitions: readonly Transition[], dbNow: Date): WriteSnapshot => {
    const { attemptIds, orderNos } = snapshotKeys(transitions);
    const attempts = new Map<string, { record: AttemptRecord; inStateForMs: number }>();
    const acceptUntil = new Map<string, string>();
    for (const attemptId of attemptIds) {
      const row = stmts.attemptState.get(attemptId);
      if (row) {
        attempts.set(attemptId, {
          record: JSON.parse(row.record_json),
          inStateForMs: dbNow.getTime() - Date.parse(row.state_since),
        });
      }
      const fence = stmts.acceptUntil.get(attemptId);
      if (fence) acceptUntil.set(attemptId, fence.accept_until);
    }
    const locks = new Map<string, LockHolder>();
    for (const orderNo of orderNos) {
      const holder = stmts.lockHolder.get(orderNo);
      if (holder) {
        locks.set(orderNo, {
          attemptId: holder.attempt_id,
          requesterId: holder.requester_id,
          since: holder.acquired_at,
        });
      }
    }
    return { dbNow, attempts, locks, acceptUntil };
  };

  /** Appends one entry on top of the head read now. */
  const appendEntry = (
    event: AuditEvent,
    record: AttemptRecord,
    at: Date,
  ): { entry: AuditEntry; row: EntryRow } => {
    const head = stmts.head.get() ?? { seq: 0, hash: GENESIS_HASH };
    const built = buildEntry(head, nextId(), event, record, at);
    stmts.insertEntry.run(built.row);
    return built;
  };

  /** Appends a planned entry and keeps the attempts view and the order locks in step with it. */
  const apply = (planned: PlannedEntry, at: Date, dbNow: Date): AuditEntry => {
    const { record } = planned;
    const { entry, row } = appendEntry(planned.event, record, at);
    stmts.upsertAttempt.run({
      attempt_id: record.attemptId,
      batch_id: record.batchId,
      state: record.state,
      order_no: record.orderNo,
      requester_id: record.requesterId,
      channel_id: record.channelId,
      updated_at: row.at,
      last_seq: row.seq,
      record_json: row.record_json,
      state_since: planned.changesState ? dbNow.toISOString() : null,
    });
    if (planned.releaseLock) stmts.releaseLock.run(planned.releaseLock, record.attemptId);
    if (planned.takeLock) {
      stmts.takeLock.run(planned.takeLock, record.attemptId, record.requesterId, dbNow.toISOString());
    }
    return entry;
  };

  /** Keeps what a write owes, after its entries: the head a message may carry is this write's last entry. */
  const keepOwed = (
    owed: readonly OutboxItem[],
    dbNow: Date,
    written: readonly AttemptRecord[] = [],
  ): void => {
    if (owed.length === 0) return;
    const owedAt = dbNow.toISOString();
    const head = stmts.head.get() ?? { seq: 0, hash: GENESIS_HASH };
    for (const columns of owedColumns(owed, head, written)) {
      stmts.insertOwed.run({ ...columns, with_chain_head: columns.with_chain_head ? 1 : 0, owed_at: owedAt });
    }
  };

  return {
    /** A `paused` / `resumed` entry: about no attempt, so it stays out of the attempts view. */
    appendControl(record: ControlRecord, at: Date, owed: readonly OutboxItem[]): AuditEntry {
      const { entry } = appendEntry(record.state, controlAsRecord(record), at);
      keepOwed(owed, now());
      return entry;
    },

    write(transitions: readonly Transition[], at: Date, owed: readonly OutboxItem[]): WriteResult {
      const dbNow = now();
      const plan = planWrite(transitions, snapshot(transitions, dbNow), at);
      if (!plan.ok) return plan;
      const entries = plan.entries.map((planned) => apply(planned, at, dbNow));
      const records = entries.map((entry) => entry.record);
      keepOwed(owed, dbNow, records);
      return { ok: true, entries, records };
    },

    annotate(attemptId: string, note: Annotation, at: Date): AuditEntry | null {
      const row = stmts.attemptState.get(attemptId);
      if (!row) return null;
      const planned = planAnnotation(JSON.parse(row.record_json), note);
      if (!planned) return null;
      assertAppendable(planned.event, planned.record, at);
      return apply(planned, at, now());
    },

    fence(request: FenceRequest): FenceResult {
      const dbNow = now();
      const attempt = stmts.attemptState.get(request.attemptId);
      const lease = stmts.leaseExpiry.get(request.instanceId);
      const verdict = judgeFence(request, {
        dbNow,
        attempt: attempt ? JSON.parse(attempt.record_json) : null,
        lockHolderId: stmts.lockHolder.get(request.orderNo)?.attempt_id ?? null,
        leaseLive: lease !== undefined && lease.expires_at > dbNow.toISOString(),
        paused: stmts.controlState.get()?.event === 'paused',
        acceptUntil: stmts.acceptUntil.get(request.attemptId)?.accept_until ?? null,
      });
      if (verdict.ok) {
        stmts.recordFence.run({
          attempt_id: request.attemptId,
          accept_until: verdict.acceptUntil,
          fenced_at: dbNow.toISOString(),
        });
      }
      return verdict;
    },
  };
}
