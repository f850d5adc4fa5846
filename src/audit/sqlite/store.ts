import type Database from 'better-sqlite3';
import type {
  AttemptRecord,
  AttemptState,
  AuditEntry,
  AuditEvent,
  AuditStore,
  BeginCallResult,
  ChainHead,
  ChainVerdict,
  ConfirmCallResult,
  ControlChange,
  ControlEntry,
  ControlRecord,
  EntryRange,
  HeldLock,
  InstanceLease,
} from '../../core/ports/audit.js';
import { controlChanges, isControlEvent } from '../../core/ports/audit.js';
import { idFactory } from '../../ids.js';
import { createLogger, type Logger } from '../../logger.js';
import {
  asControlEntry,
  assertAppendable,
  assertBeginCall,
  assertConfirmAndCall,
  assertControl,
  assertFinishEvent,
  buildEntry,
  controlAsRecord,
  type EntryRow,
  rowToEntry,
  verifyRows,
} from '../entry-row.js';
import { GENESIS_HASH } from '../hash-chain.js';
import { sqliteLeases } from './leases.js';
import { openDatabase, prepareStatements } from './session.js';

export interface SqliteAuditStoreOptions {
  /** File path; the parent directory and the file are created on first open. */
  path: string;
  logger?: Logger;
  /** Entry id generator; defaults to monotonic ULIDs. */
  ids?: () => string;
  busyTimeoutMs?: number;
}

const PAGE_SIZE = 500;

/**
 * The audit store on one SQLite file. better-sqlite3 is synchronous, so each call runs to completion before
 * the next starts inside this process; every write is one `BEGIN IMMEDIATE` transaction that re-reads the
 * chain head, so a second process on the same file queues on the write lock and extends the same chain.
 */
export function openSqliteAuditStore(options: SqliteAuditStoreOptions): SqliteAuditStore {
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const db = openDatabase(options, logger);
  logger.info({ backend: 'sqlite', path: options.path }, 'audit store opened');
  return new SqliteAuditStore(db, logger, options.ids ?? idFactory());
}

export class SqliteAuditStore implements AuditStore {
  readonly backend = 'sqlite' as const;

  private readonly stmts;
  private readonly leaseStmts;
  private readonly appendTx;
  private readonly beginCallTx;
  private readonly confirmAndBeginCallTx;
  private readonly finishCallTx;
  private readonly controlTx;

  constructor(
    private readonly db: Database.Database,
    private readonly logger: Logger,
    private readonly nextId: () => string,
  ) {
    this.stmts = prepareStatements(db);
    this.leaseStmts = sqliteLeases(db);
    this.appendTx = db.transaction((event: AuditEvent, record: AttemptRecord, at: Date) =>
      this.appendInTransaction(event, record, at),
    );
    this.beginCallTx = db.transaction((record: AttemptRecord, orderNo: string, at: Date): BeginCallResult => {
      const acquiredAt = at.toISOString();
      const taken = this.stmts.takeLock.run(orderNo, record.attemptId, record.requesterId, acquiredAt);
      if (taken.changes === 0) {
        const holder = this.stmts.lockHolder.get(orderNo);
        if (!holder) throw new Error(`audit: order lock for ${orderNo} vanished inside a transaction`);
        return {
          ok: false,
          holder: {
            attemptId: holder.attempt_id,
            requesterId: holder.requester_id,
            since: holder.acquired_at,
          },
        };
      }
      return { ok: true, entry: this.appendInTransaction('calling', record, at) };
    });
    this.confirmAndBeginCallTx = db.transaction(
      (claimKey: string, confirmed: AttemptRecord, calling: AttemptRecord, orderNo: string, at: Date) => {
        const claimed = this.stmts.claim.run(claimKey, at.toISOString()).changes === 1;
        if (!claimed) return { kind: 'already_claimed' } satisfies ConfirmCallResult;
        const confirmedEntry = this.appendInTransaction('confirmed', confirmed, at);
        const begun: BeginCallResult = this.beginCallTx(calling, orderNo, at);
        return begun.ok
          ? ({ kind: 'begun', confirmed: confirmedEntry, calling: begun.entry } satisfies ConfirmCallResult)
          : ({ kind: 'locked', confirmed: confirmedEntry, holder: begun.holder } satisfies ConfirmCallResult);
      },
    );
    this.controlTx = db.transaction((record: ControlRecord, at: Date): ControlChange => {
      const current = this.readControl();
      if (!controlChanges(record.state, current)) return { changed: false, current };
      const entry = this.appendInTransaction(record.state, controlAsRecord(record), at);
      return { changed: true, entry: asControlEntry(entry) };
    });
    this.finishCallTx = db.transaction((event: AttemptState, record: AttemptRecord, at: Date) => {
      const entry = this.appendInTransaction(event, record, at);
      const released = record.orderNo
        ? this.stmts.releaseLock.run(record.orderNo, record.attemptId).changes
        : 0;
      if (released === 0) {
        this.logger.warn(
          { attemptId: record.attemptId, orderNo: record.orderNo, event },
          'finishCall: this attempt held no order lock',
        );
      }
      return entry;
    });
  }

  async append(event: AuditEvent, record: AttemptRecord, at: Date): Promise<AuditEntry> {
    this.assertOpen();
    assertAppendable(event, record, at);
    return this.appendTx.immediate(event, record, at);
  }

  async claimOnce(key: string, at: Date): Promise<boolean> {
    this.assertOpen();
    return this.stmts.claim.run(key, at.toISOString()).changes === 1;
  }

  async beginCall(record: AttemptRecord, at: Date): Promise<BeginCallResult> {
    this.assertOpen();
    const orderNo = assertBeginCall(record, at);
    return this.beginCallTx.immediate(record, orderNo, at);
  }

  async confirmAndBeginCall(
    claimKey: string,
    confirmed: AttemptRecord,
    calling: AttemptRecord,
    at: Date,
  ): Promise<ConfirmCallResult> {
    this.assertOpen();
    const orderNo = assertConfirmAndCall(claimKey, confirmed, calling, at);
    return this.confirmAndBeginCallTx.immediate(claimKey, confirmed, calling, orderNo, at);
  }

  async finishCall(event: AttemptState, record: AttemptRecord, at: Date): Promise<AuditEntry> {
    this.assertOpen();
    assertFinishEvent(event);
    assertAppendable(event, record, at);
    return this.finishCallTx.immediate(event, record, at);
  }

  async recordControl(record: ControlRecord, at: Date): Promise<ControlChange> {
    this.assertOpen();
    assertControl(record, at);
    return this.controlTx.immediate(record, at);
  }

  async controlState(): Promise<ControlEntry | null> {
    this.assertOpen();
    return this.readControl();
  }

  private readControl(): ControlEntry | null {
    const row = this.stmts.controlState.get();
    return row ? asControlEntry(rowToEntry(row)) : null;
  }

  async findAttempt(attemptId: string): Promise<AttemptRecord | null> {
    this.assertOpen();
    const row = this.stmts.findAttempt.get(attemptId);
    return row ? JSON.parse(row.record_json) : null;
  }

  async findStuckCalling(): Promise<AttemptRecord[]> {
    this.assertOpen();
    return this.stmts.stuckCalling.all().map((row) => JSON.parse(row.record_json));
  }

  async orderHistory(orderNo: string): Promise<AuditEntry[]> {
    this.assertOpen();
    return this.stmts.orderHistory.all(orderNo).map(rowToEntry);
  }

  async recentAttempts(filter: {
    requesterId?: string;
    states?: AttemptState[];
    limit: number;
  }): Promise<AttemptRecord[]> {
    this.assertOpen();
    if (filter.states?.length === 0) return [];
    const rows = this.stmts.recentAttempts.all({
      requester: filter.requesterId ?? null,
      states: filter.states ? JSON.stringify(filter.states) : null,
      limit: Math.max(0, Math.trunc(filter.limit)),
    });
    return rows.map((row) => JSON.parse(row.record_json));
  }

  async *entries(range: EntryRange = {}): AsyncIterable<AuditEntry> {
    for await (const row of this.rows(range)) yield rowToEntry(row);
  }

  async verifyChain(): Promise<ChainVerdict> {
    return verifyRows(this.rows({}));
  }

  async heldLocks(): Promise<HeldLock[]> {
    this.assertOpen();
    return this.leaseStmts.heldLocks();
  }

  async renewLease(instanceId: string, ttlMs: number): Promise<void> {
    this.assertOpen();
    this.leaseStmts.renewLease(instanceId, ttlMs);
  }

  async dropLease(instanceId: string): Promise<void> {
    this.assertOpen();
    this.leaseStmts.dropLease(instanceId);
  }

  async leases(): Promise<InstanceLease[]> {
    this.assertOpen();
    return this.leaseStmts.leases();
  }

  async head(): Promise<ChainHead | null> {
    this.assertOpen();
    return this.stmts.head.get() ?? null;
  }

  /**
   * Group commit: runs `work` (calls to append, claimOnce, beginCall, finishCall) in one transaction, so the
   * lot costs one fsync at COMMIT instead of one each. Each write keeps its own savepoint: one that throws
   * undoes only itself. A write counts as done only once this returns; if COMMIT fails, none of them happened.
   */
  groupCommit<T>(work: () => T): T {
    this.assertOpen();
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async ping(): Promise<void> {
    this.assertOpen();
    // Taking the write lock proves the file is writable and not wedged by another process.
    this.db.exec('BEGIN IMMEDIATE');
    this.db.exec('ROLLBACK');
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** Pages by seq so no statement stays open across the consumer's awaits (the connection is shared). */
  private async *rows(range: EntryRange): AsyncIterable<EntryRow> {
    const since = range.since ? range.since.toISOString() : null;
    const until = range.until ? range.until.toISOString() : null;
    let after = 0;
    for (;;) {
      this.assertOpen();
      const page = this.stmts.page.all({ after, since, until, limit: PAGE_SIZE });
      yield* page;
      const last = page.at(-1);
      if (!last || page.length < PAGE_SIZE) return;
      after = last.seq;
    }
  }

  private appendInTransaction(event: AuditEvent, record: AttemptRecord, at: Date): AuditEntry {
    const head = this.stmts.head.get() ?? { seq: 0, hash: GENESIS_HASH };
    const { entry, row } = buildEntry(head, this.nextId(), event, record, at);
    this.stmts.insertEntry.run(row);
    // A pause or a resume is about no attempt: it stays out of the attempts view (App Home, reconcile, gauges).
    if (isControlEvent(event)) return entry;
    this.stmts.upsertAttempt.run({
      attempt_id: record.attemptId,
      batch_id: record.batchId,
      state: record.state,
      order_no: record.orderNo,
      requester_id: record.requesterId,
      channel_id: record.channelId,
      updated_at: row.at,
      last_seq: row.seq,
      record_json: row.record_json,
    });
    return entry;
  }

  private assertOpen(): void {
    if (!this.db.open) throw new Error('audit store is closed');
  }
}
