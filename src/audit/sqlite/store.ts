import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import type {
  Annotation,
  AttemptRecord,
  AttemptState,
  AuditEntry,
  AuditStore,
  ChainHead,
  ChainVerdict,
  ControlChange,
  ControlEntry,
  ControlRecord,
  EntryRange,
  FenceRequest,
  FenceResult,
  HeldCall,
  HeldLock,
  IdleAttempt,
  InstanceLease,
  Transition,
  WriteResult,
} from '../../core/ports/audit.js';
import { controlChanges } from '../../core/ports/audit.js';
import type {
  ClaimedDelivery,
  DeliveryOutcome,
  OutboxItem,
  OutboxRow,
  OutboxState,
  OutboxSummary,
} from '../../core/ports/outbox.js';
import { idFactory } from '../../ids.js';
import { createLogger, type Logger } from '../../logger.js';
import { asControlEntry, assertControl, type EntryRow, rowToEntry, verifyRows } from '../entry-row.js';
import { attemptWrites } from './attempt-writes.js';
import { sqliteLeases } from './leases.js';
import { sqliteOutbox } from './outbox.js';
import { openDatabase, prepareStatements } from './session.js';

export interface SqliteAuditStoreOptions {
  /** File path; the parent directory and the file are created on first open. */
  path: string;
  logger?: Logger;
  /** Entry id generator; defaults to monotonic ULIDs. */
  ids?: () => string;
  busyTimeoutMs?: number;
  /**
   * The store's clock: lock, lease and fence times and how long attempts have been in their state. Every
   * process on one file runs on one host and shares its clock; tests and the simulation give their own.
   */
  now?: () => Date;
}

const PAGE_SIZE = 500;

/**
 * The audit store on one SQLite file. better-sqlite3 is synchronous, so each call runs to completion before
 * the next starts inside this process; every write is one `BEGIN IMMEDIATE` transaction that re-reads the
 * chain head, so a second process on the same file queues on the write lock and extends the same chain.
 */
/** Below this much free space beside the database, the store reports itself unable to write. */
const MIN_FREE_BYTES = 1024 * 1024;
/** After appends failed for a full disk, this much free space says room was made. */
const ROOM_AFTER_FULL_BYTES = 4 * 1024 * 1024;

/** Free bytes on the file system holding `file`, or null when that cannot be read (an in-memory database). */
function freeBytesBeside(file: string): number | null {
  try {
    const stats = statfsSync(dirname(file));
    return Number(stats.bavail) * Number(stats.bsize);
  } catch {
    return null;
  }
}

export function openSqliteAuditStore(options: SqliteAuditStoreOptions): SqliteAuditStore {
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const db = openDatabase(options, logger);
  logger.info({ backend: 'sqlite', path: options.path }, 'audit store opened');
  return new SqliteAuditStore(db, options.ids ?? idFactory(), options.now ?? (() => new Date()));
}

export class SqliteAuditStore implements AuditStore {
  readonly backend = 'sqlite' as const;

  private readonly stmts;
  private readonly leaseStmts;
  private readonly writeTx;
  private readonly annotateTx;
  private readonly fenceTx;
  private readonly controlTx;
  private readonly outbox;
  private readonly claimTx;
  private readonly settleTx;

  /** Since when appends have failed for a full disk; null while they succeed. */
  private fullSince: Date | null = null;

  constructor(
    private readonly db: Database.Database,
    nextId: () => string,
    private readonly now: () => Date,
  ) {
    this.stmts = prepareStatements(db);
    this.leaseStmts = sqliteLeases(db, now);
    const writes = attemptWrites(this.stmts, now, nextId);
    this.writeTx = db.transaction(writes.write);
    this.annotateTx = db.transaction(writes.annotate);
    this.fenceTx = db.transaction(writes.fence);
    this.controlTx = db.transaction(
      (record: ControlRecord, at: Date, owed: readonly OutboxItem[]): ControlChange => {
        const current = this.readControl();
        if (!controlChanges(record.state, current)) return { changed: false, current };
        return { changed: true, entry: asControlEntry(writes.appendControl(record, at, owed)) };
      },
    );
    this.outbox = sqliteOutbox(db, now, writes.annotate);
    this.claimTx = db.transaction(this.outbox.claimDeliveries);
    this.settleTx = db.transaction(this.outbox.settleDelivery);
  }

  async write(
    transitions: readonly Transition[],
    at: Date,
    owed: readonly OutboxItem[] = [],
  ): Promise<WriteResult> {
    this.assertOpen();
    return this.appending(() => this.writeTx.immediate(transitions, at, owed));
  }

  async annotate(attemptId: string, note: Annotation, at: Date): Promise<AuditEntry | null> {
    this.assertOpen();
    return this.appending(() => this.annotateTx.immediate(attemptId, note, at));
  }

  async fence(request: FenceRequest): Promise<FenceResult> {
    this.assertOpen();
    return this.fenceTx.immediate(request);
  }

  async recordControl(
    record: ControlRecord,
    at: Date,
    owed: readonly OutboxItem[] = [],
  ): Promise<ControlChange> {
    this.assertOpen();
    assertControl(record, at);
    return this.appending(() => this.controlTx.immediate(record, at, owed));
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

  async batchAttempts(batchId: string): Promise<AttemptRecord[]> {
    this.assertOpen();
    return this.stmts.batchAttempts.all(batchId).map((row) => JSON.parse(row.record_json));
  }

  async heldCalls(): Promise<HeldCall[]> {
    this.assertOpen();
    const dbNow = this.now();
    const at = dbNow.toISOString();
    return this.stmts.heldCalls.all().map((row) => {
      const record: AttemptRecord = JSON.parse(row.record_json);
      return {
        record,
        orderNo: row.order_no,
        heldForMs: dbNow.getTime() - Date.parse(row.acquired_at),
        ownerLive:
          record.instanceId === undefined ? null : row.lease_expires_at !== null && row.lease_expires_at > at,
        acceptUntil: row.accept_until,
        dbNow: at,
      };
    });
  }

  async idleAttempts(filter: {
    states: AttemptState[];
    idleForMs: number;
    limit: number;
  }): Promise<IdleAttempt[]> {
    this.assertOpen();
    const dbNow = this.now().getTime();
    const rows = this.stmts.idleAttempts.all({
      states: JSON.stringify(filter.states),
      before: new Date(dbNow - filter.idleForMs).toISOString(),
      limit: Math.max(0, Math.trunc(filter.limit)),
    });
    return rows.map((row) => ({
      record: JSON.parse(row.record_json),
      inStateForMs: dbNow - Date.parse(row.state_since),
    }));
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

  async claimDeliveries(claim: { by: string; limit: number; leaseMs: number }): Promise<ClaimedDelivery[]> {
    this.assertOpen();
    return this.claimTx.immediate(claim);
  }

  async confirmClaim(id: number, by: string, leaseMs: number): Promise<boolean> {
    this.assertOpen();
    return this.outbox.confirmClaim(id, by, leaseMs);
  }

  async settleDelivery(id: number, by: string, outcome: DeliveryOutcome): Promise<AuditEntry[] | null> {
    this.assertOpen();
    return this.appending(() => this.settleTx.immediate(id, by, outcome));
  }

  async outboxSummary(): Promise<OutboxSummary> {
    this.assertOpen();
    return this.outbox.outboxSummary();
  }

  async outboxRows(filter: { states: OutboxState[]; limit: number }): Promise<OutboxRow[]> {
    this.assertOpen();
    return this.outbox.outboxRows(filter);
  }

  async head(): Promise<ChainHead | null> {
    this.assertOpen();
    return this.stmts.head.get() ?? null;
  }

  /**
   * Group commit: runs `work` (calls to write, annotate, fence, recordControl, the lease and outbox writes)
   * in one transaction, so the lot costs one fsync at COMMIT instead of one each. Each write keeps its own
   * savepoint: one that throws undoes only itself. A write counts as done only once this returns; if COMMIT
   * fails, none of them happened.
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
      // A full disk may only show at COMMIT, after each write of the group went through on its own.
      if ((error as { code?: unknown }).code === 'SQLITE_FULL') this.fullSince ??= this.now();
      throw error;
    }
  }

  async ping(): Promise<void> {
    this.assertOpen();
    // Taking the write lock proves the file is writable and not wedged by another process.
    this.db.exec('BEGIN IMMEDIATE');
    this.db.exec('ROLLBACK');
    // It writes nothing, so it cannot see a full disk: the free space and the last append say that.
    const free = freeBytesBeside(this.db.name);
    const roomMade = free !== null && free >= ROOM_AFTER_FULL_BYTES;
    if ((free !== null && free < MIN_FREE_BYTES) || (this.fullSince !== null && !roomMade)) {
      throw Object.assign(
        new Error(
          `the disk holding ${this.db.name} is full${free === null ? '' : ` (${free} bytes free)`}: entries cannot be appended`,
        ),
        { code: 'SQLITE_FULL' },
      );
    }
  }

  /** Runs a write that appends entries, noting whether the disk refused it (SQLITE_FULL) for `ping`. */
  private appending<T>(work: () => T): T {
    try {
      const result = work();
      this.fullSince = null;
      return result;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_FULL') this.fullSince ??= this.now();
      throw error;
    }
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

  private assertOpen(): void {
    if (!this.db.open) throw new Error('audit store is closed');
  }
}
