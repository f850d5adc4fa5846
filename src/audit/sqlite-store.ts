import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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
  EntryRange,
} from '../core/ports/audit.js';
import { idFactory } from '../ids.js';
import { createLogger, type Logger } from '../logger.js';
import { ensureDirectory, refuseDirectory } from './ensure-directory.js';
import {
  assertAppendable,
  assertBeginCall,
  assertConfirmAndCall,
  assertFinishEvent,
  buildEntry,
  type EntryRow,
  rowToEntry,
  verifyRows,
} from './entry-row.js';
import { GENESIS_HASH } from './hash-chain.js';

export interface SqliteAuditStoreOptions {
  /** File path; the parent directory and the file are created on first open. */
  path: string;
  logger?: Logger;
  /** Entry id generator; defaults to monotonic ULIDs. */
  ids?: () => string;
  busyTimeoutMs?: number;
}

const PAGE_SIZE = 500;

/** Written exactly as SQLite keeps them in sqlite_master.sql, so a rewritten trigger is noticed at open. */
const APPEND_ONLY_TRIGGERS = {
  audit_entries_no_update:
    "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END",
  audit_entries_no_delete:
    "CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END",
} as const;

const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'audit trail, attempts projection, claims, order locks',
    sql: `
      CREATE TABLE audit_entries (
        seq INTEGER PRIMARY KEY CHECK (seq > 0),
        entry_id TEXT NOT NULL UNIQUE,
        attempt_id TEXT NOT NULL,
        order_no TEXT,
        event TEXT NOT NULL,
        at TEXT NOT NULL,
        record_json TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_entries_order_no ON audit_entries (order_no, seq);
      ${APPEND_ONLY_TRIGGERS.audit_entries_no_update};
      ${APPEND_ONLY_TRIGGERS.audit_entries_no_delete};
      CREATE TABLE attempts (
        attempt_id TEXT PRIMARY KEY,
        batch_id TEXT NOT NULL,
        state TEXT NOT NULL,
        order_no TEXT,
        requester_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        last_seq INTEGER NOT NULL REFERENCES audit_entries (seq),
        record_json TEXT NOT NULL
      ) STRICT;
      CREATE INDEX attempts_state ON attempts (state, last_seq);
      CREATE INDEX attempts_requester_id ON attempts (requester_id, last_seq);
      CREATE TABLE claims (
        key TEXT PRIMARY KEY,
        at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE order_locks (
        order_no TEXT PRIMARY KEY,
        attempt_id TEXT NOT NULL REFERENCES attempts (attempt_id) DEFERRABLE INITIALLY DEFERRED,
        requester_id TEXT NOT NULL,
        acquired_at TEXT NOT NULL
      ) STRICT;
    `,
  },
];

interface RecordRow {
  record_json: string;
}

interface LockRow {
  attempt_id: string;
  requester_id: string;
  acquired_at: string;
}

interface AttemptRow {
  attempt_id: string;
  batch_id: string;
  state: string;
  order_no: string | null;
  requester_id: string;
  channel_id: string;
  updated_at: string;
  last_seq: number;
  record_json: string;
}

interface PageParams {
  after: number;
  since: string | null;
  until: string | null;
  limit: number;
}

/**
 * The audit store on one SQLite file. better-sqlite3 is synchronous, so each call runs to completion before
 * the next starts inside this process; every write is one `BEGIN IMMEDIATE` transaction that re-reads the
 * chain head, so a second process on the same file queues on the write lock and extends the same chain.
 */
export function openSqliteAuditStore(options: SqliteAuditStoreOptions): SqliteAuditStore {
  const logger = options.logger ?? createLogger({ level: 'silent' });
  if (options.path !== ':memory:') {
    ensureDirectory(dirname(options.path));
    refuseDirectory(options.path);
  }
  const db = new Database(options.path);
  try {
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    const journal = db.pragma('journal_mode = WAL', { simple: true });
    if (journal !== 'wal' && options.path !== ':memory:') {
      logger.warn({ journal }, 'SQLite refused WAL mode; appends stay durable but slower');
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    applyMigrations(db, logger);
    ensureAppendOnlyTriggers(db, logger);
  } catch (error) {
    db.close();
    throw error;
  }
  logger.info({ backend: 'sqlite', path: options.path }, 'audit store opened');
  return new SqliteAuditStore(db, logger, options.ids ?? idFactory());
}

function applyMigrations(db: Database.Database, logger: Logger): void {
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`);
    const applied = new Set(
      db
        .prepare<[], { version: number }>('SELECT version FROM schema_migrations')
        .all()
        .map((row) => row.version),
    );
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
      logger.info({ version: migration.version, name: migration.name }, 'audit schema migration applied');
    }
  }).immediate();
}

/** A missing or rewritten trigger on an existing database means someone changed it by hand: restore, say so. */
function ensureAppendOnlyTriggers(db: Database.Database, logger: Logger): void {
  db.transaction(() => {
    const present = new Map(
      db
        .prepare<[], { name: string; sql: string }>(
          "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'",
        )
        .all()
        .map((row) => [row.name, row.sql]),
    );
    for (const [name, sql] of Object.entries(APPEND_ONLY_TRIGGERS)) {
      const found = present.get(name);
      if (found === sql) continue;
      if (found !== undefined) db.exec(`DROP TRIGGER ${name}`);
      db.exec(sql);
      logger.warn(
        { trigger: name },
        `audit append-only trigger was ${found === undefined ? 'missing' : 'altered'} and has been restored; run \`audit verify\``,
      );
    }
  }).immediate();
}

export class SqliteAuditStore implements AuditStore {
  readonly backend = 'sqlite' as const;

  private readonly stmts;
  private readonly appendTx;
  private readonly beginCallTx;
  private readonly confirmAndBeginCallTx;
  private readonly finishCallTx;

  constructor(
    private readonly db: Database.Database,
    private readonly logger: Logger,
    private readonly nextId: () => string,
  ) {
    this.stmts = {
      head: db.prepare<[], ChainHead>('SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1'),
      insertEntry: db.prepare<EntryRow>(
        `INSERT INTO audit_entries (seq, entry_id, attempt_id, order_no, event, at, record_json, prev_hash, hash)
         VALUES (@seq, @entry_id, @attempt_id, @order_no, @event, @at, @record_json, @prev_hash, @hash)`,
      ),
      upsertAttempt: db.prepare<AttemptRow>(
        `INSERT INTO attempts (attempt_id, batch_id, state, order_no, requester_id, channel_id, updated_at, last_seq, record_json)
         VALUES (@attempt_id, @batch_id, @state, @order_no, @requester_id, @channel_id, @updated_at, @last_seq, @record_json)
         ON CONFLICT (attempt_id) DO UPDATE SET
           batch_id = excluded.batch_id, state = excluded.state, order_no = excluded.order_no,
           requester_id = excluded.requester_id, channel_id = excluded.channel_id,
           updated_at = excluded.updated_at, last_seq = excluded.last_seq, record_json = excluded.record_json`,
      ),
      claim: db.prepare<[string, string]>(
        'INSERT INTO claims (key, at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
      ),
      takeLock: db.prepare<[string, string, string, string]>(
        `INSERT INTO order_locks (order_no, attempt_id, requester_id, acquired_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (order_no) DO NOTHING`,
      ),
      lockHolder: db.prepare<[string], LockRow>(
        'SELECT attempt_id, requester_id, acquired_at FROM order_locks WHERE order_no = ?',
      ),
      releaseLock: db.prepare<[string, string]>(
        'DELETE FROM order_locks WHERE order_no = ? AND attempt_id = ?',
      ),
      findAttempt: db.prepare<[string], RecordRow>('SELECT record_json FROM attempts WHERE attempt_id = ?'),
      stuckCalling: db.prepare<[], RecordRow>(
        "SELECT record_json FROM attempts WHERE state = 'calling' ORDER BY last_seq",
      ),
      orderHistory: db.prepare<[string], EntryRow>(
        'SELECT * FROM audit_entries WHERE order_no = ? ORDER BY seq',
      ),
      recentAttempts: db.prepare<
        { requester: string | null; states: string | null; limit: number },
        RecordRow
      >(
        `SELECT record_json FROM attempts
         WHERE (@requester IS NULL OR requester_id = @requester)
           AND (@states IS NULL OR state IN (SELECT value FROM json_each(@states)))
         ORDER BY last_seq DESC LIMIT @limit`,
      ),
      page: db.prepare<PageParams, EntryRow>(
        `SELECT * FROM audit_entries
         WHERE seq > @after AND (@since IS NULL OR at >= @since) AND (@until IS NULL OR at < @until)
         ORDER BY seq LIMIT @limit`,
      ),
    };
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
