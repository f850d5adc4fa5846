import { Pool, type PoolClient } from 'pg';
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
import { readControlState, readHead, toEntryRow } from './chain-reads.js';
import { postgresLeases } from './leases.js';
import { postgresOutbox, postgresOutboxReads } from './outbox.js';
import { migrate } from './schema.js';
import {
  beginWrite,
  CONNECT_TIMEOUT_MS,
  DB_NOW,
  inTransaction,
  QUERY_TIMEOUT_MS,
  type WriteTimeouts,
} from './session.js';

export interface PostgresAuditStoreOptions extends WriteTimeouts {
  connectionString: string;
  logger?: Logger;
  poolMax?: number;
  /** Entry id generator; defaults to monotonic ULIDs. */
  ids?: () => string;
  /** How long a write waits for a connection (a new one, or a free one from the pool) before it fails. */
  connectTimeoutMs?: number;
  /** How long we wait for the answer to one query before we give the connection up for dead. */
  queryTimeoutMs?: number;
}

/** Advisory lock key (an arbitrary constant, unique to this app) that serialises the chain's writers. */
export const CHAIN_LOCK_KEY = '7350412901';

/**
 * Advisory lock key that serialises every change to owed messages already kept: claims, their extension and
 * their settlement, on every replica. A claim plans from every pending row at once (a slot with a live claim
 * is skipped), so no row may change between its read and its updates; a lock of its own keeps the delivery
 * workers' polling off the chain's lock. A write that owes messages only inserts rows and does not take it.
 * A settlement that writes `notified` entries takes both, this one first; nothing takes them the other way.
 */
export const OUTBOX_LOCK_KEY = '7350412903';

const PAGE_SIZE = 500;

/** pg returns BIGINT as a string. */
export type PgEntryRow = Omit<EntryRow, 'seq'> & { seq: string };

interface RecordRow {
  record_json: string;
}

/**
 * The audit store on PostgreSQL. Every write is one transaction that first takes a transaction-scoped
 * advisory lock, so appends from any number of processes are serialised and each reads the committed head.
 */
export async function openPostgresAuditStore(options: PostgresAuditStoreOptions): Promise<AuditStore> {
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const connection = {
    connectionString: options.connectionString,
    connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    // Dead idle connections are found by TCP keep-alive probes instead of by the next write's hang.
    keepAlive: true,
  };
  // A migration may rewrite a large table, and a replica starting beside one that migrates must wait for it,
  // however long that takes: migrations get a connection of their own, without the query timeout.
  const migrations = new Pool({ ...connection, max: 1 });
  try {
    await migrate(migrations, logger);
  } finally {
    await migrations.end();
  }
  const pool = new Pool({
    ...connection,
    max: options.poolMax ?? 10,
    query_timeout: options.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
  });
  pool.on('error', (error) => logger.error({ err: error }, 'idle PostgreSQL client failed'));
  logger.info({ backend: 'postgres' }, 'audit store opened');
  return new PostgresAuditStore(pool, options.ids ?? idFactory(), beginWrite(options));
}

class PostgresAuditStore implements AuditStore {
  readonly backend = 'postgres' as const;
  private closed = false;
  private readonly leaseQueries;
  private readonly writes;
  private readonly outbox;
  private readonly outboxReads;
  /** Every write's BEGIN, its timeouts, and the chain's lock, in one round trip. */
  private readonly beginLocked: string;
  /** The same with the outbox's lock instead; and with both (the outbox's first), to settle a delivery. */
  private readonly beginOutbox: string;
  private readonly beginOutboxAndChain: string;

  constructor(
    private readonly pool: Pool,
    nextId: () => string,
    begin: string,
  ) {
    this.leaseQueries = postgresLeases(pool);
    this.writes = attemptWrites(nextId);
    this.outbox = postgresOutbox(this.writes.annotate);
    this.outboxReads = postgresOutboxReads(pool);
    this.beginLocked = `${begin}; SELECT pg_advisory_xact_lock(${CHAIN_LOCK_KEY})`;
    this.beginOutbox = `${begin}; SELECT pg_advisory_xact_lock(${OUTBOX_LOCK_KEY})`;
    this.beginOutboxAndChain = `${this.beginOutbox}; SELECT pg_advisory_xact_lock(${CHAIN_LOCK_KEY})`;
  }

  async write(
    transitions: readonly Transition[],
    at: Date,
    owed: readonly OutboxItem[] = [],
  ): Promise<WriteResult> {
    return this.locked((client) => this.writes.write(client, transitions, at, owed));
  }

  async annotate(attemptId: string, note: Annotation, at: Date): Promise<AuditEntry | null> {
    return this.locked((client) => this.writes.annotate(client, attemptId, note, at));
  }

  async fence(request: FenceRequest): Promise<FenceResult> {
    return this.locked((client) => this.writes.fence(client, request));
  }

  async recordControl(
    record: ControlRecord,
    at: Date,
    owed: readonly OutboxItem[] = [],
  ): Promise<ControlChange> {
    assertControl(record, at);
    return this.locked(async (client): Promise<ControlChange> => {
      // Under the chain lock: a pause written by another replica meanwhile is seen here.
      const current = await readControlState(client);
      if (!controlChanges(record.state, current)) return { changed: false, current };
      const entry = await this.writes.appendControl(client, record, at, owed);
      return { changed: true, entry: asControlEntry(entry) };
    });
  }

  async controlState(): Promise<ControlEntry | null> {
    this.assertOpen();
    return readControlState(this.pool);
  }

  async findAttempt(attemptId: string): Promise<AttemptRecord | null> {
    this.assertOpen();
    const { rows } = await this.pool.query<RecordRow>(
      'SELECT record_json FROM attempts WHERE attempt_id = $1',
      [attemptId],
    );
    return rows[0] ? JSON.parse(rows[0].record_json) : null;
  }

  async batchAttempts(batchId: string): Promise<AttemptRecord[]> {
    this.assertOpen();
    // Attempt ids are ULIDs: in byte order ("C"), the order requested, as on SQLite.
    const { rows } = await this.pool.query<RecordRow>(
      'SELECT record_json FROM attempts WHERE batch_id = $1 ORDER BY attempt_id COLLATE "C"',
      [batchId],
    );
    return rows.map((row) => JSON.parse(row.record_json));
  }

  async heldCalls(): Promise<HeldCall[]> {
    this.assertOpen();
    const { rows } = await this.pool.query<{
      order_no: string;
      acquired_at: Date;
      record_json: string;
      accept_until: Date | null;
      lease_live: boolean | null;
      db_now: Date;
    }>(
      `WITH clock AS (SELECT ${DB_NOW} AS now)
       SELECT l.order_no, l.acquired_at, a.record_json, f.accept_until, s.expires_at > clock.now AS lease_live,
         clock.now AS db_now
       FROM clock CROSS JOIN order_locks l
       JOIN attempts a ON a.attempt_id = l.attempt_id
       LEFT JOIN instance_leases s ON s.instance_id = a.record_json::jsonb ->> 'instanceId'
       LEFT JOIN call_fences f ON f.attempt_id = l.attempt_id
       ORDER BY l.acquired_at, l.order_no`,
    );
    return rows.map((row) => {
      const record: AttemptRecord = JSON.parse(row.record_json);
      return {
        record,
        orderNo: row.order_no,
        heldForMs: row.db_now.getTime() - row.acquired_at.getTime(),
        ownerLive: record.instanceId === undefined ? null : row.lease_live === true,
        acceptUntil: row.accept_until?.toISOString() ?? null,
        dbNow: row.db_now.toISOString(),
      };
    });
  }

  async idleAttempts(filter: {
    states: AttemptState[];
    idleForMs: number;
    limit: number;
  }): Promise<IdleAttempt[]> {
    this.assertOpen();
    // Through attempts_state_since (migration 4): one range per state, however many attempts are final.
    const { rows } = await this.pool.query<{ record_json: string; state_since: Date; db_now: Date }>(
      `WITH clock AS (SELECT ${DB_NOW} AS now)
       SELECT a.record_json, a.state_since, clock.now AS db_now
       FROM clock CROSS JOIN attempts a
       WHERE a.state = ANY ($1::text[]) AND a.state_since <= clock.now - $2 * interval '1 millisecond'
       ORDER BY a.state_since, a.attempt_id LIMIT $3`,
      [filter.states, filter.idleForMs, Math.max(0, Math.trunc(filter.limit))],
    );
    return rows.map((row) => ({
      record: JSON.parse(row.record_json),
      inStateForMs: row.db_now.getTime() - row.state_since.getTime(),
    }));
  }

  async orderHistory(orderNo: string): Promise<AuditEntry[]> {
    this.assertOpen();
    const { rows } = await this.pool.query<PgEntryRow>(
      'SELECT * FROM audit_entries WHERE order_no = $1 ORDER BY seq',
      [orderNo],
    );
    return rows.map((row) => rowToEntry(toEntryRow(row)));
  }

  async recentAttempts(filter: {
    requesterId?: string;
    states?: AttemptState[];
    limit: number;
  }): Promise<AttemptRecord[]> {
    this.assertOpen();
    if (filter.states?.length === 0) return [];
    const { rows } = await this.pool.query<RecordRow>(
      `SELECT record_json FROM attempts
       WHERE ($1::text IS NULL OR requester_id = $1) AND ($2::text[] IS NULL OR state = ANY ($2))
       ORDER BY last_seq DESC LIMIT $3`,
      [filter.requesterId ?? null, filter.states ?? null, Math.max(0, Math.trunc(filter.limit))],
    );
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
    return this.leaseQueries.heldLocks();
  }

  async renewLease(instanceId: string, ttlMs: number): Promise<void> {
    this.assertOpen();
    return this.leaseQueries.renewLease(instanceId, ttlMs);
  }

  async dropLease(instanceId: string): Promise<void> {
    this.assertOpen();
    return this.leaseQueries.dropLease(instanceId);
  }

  async leases(): Promise<InstanceLease[]> {
    this.assertOpen();
    return this.leaseQueries.leases();
  }

  async claimDeliveries(claim: { by: string; limit: number; leaseMs: number }): Promise<ClaimedDelivery[]> {
    this.assertOpen();
    return inTransaction(this.pool, (client) => this.outbox.claimDeliveries(client, claim), this.beginOutbox);
  }

  async confirmClaim(id: number, by: string, leaseMs: number): Promise<boolean> {
    this.assertOpen();
    return inTransaction(
      this.pool,
      (client) => this.outbox.confirmClaim(client, id, by, leaseMs),
      this.beginOutbox,
    );
  }

  async settleDelivery(id: number, by: string, outcome: DeliveryOutcome): Promise<AuditEntry[] | null> {
    this.assertOpen();
    // A delivery appends `notified` entries: the chain's lock from the start, so no row is held while waiting.
    const begin = outcome.kind === 'delivered' ? this.beginOutboxAndChain : this.beginOutbox;
    return inTransaction(this.pool, (client) => this.outbox.settleDelivery(client, id, by, outcome), begin);
  }

  async outboxSummary(): Promise<OutboxSummary> {
    this.assertOpen();
    return this.outboxReads.outboxSummary();
  }

  async outboxRows(filter: { states: OutboxState[]; limit: number }): Promise<OutboxRow[]> {
    this.assertOpen();
    return this.outboxReads.outboxRows(filter);
  }

  async head(): Promise<ChainHead | null> {
    this.assertOpen();
    return readHead(this.pool);
  }

  async ping(): Promise<void> {
    this.assertOpen();
    const { rows } = await this.pool.query<{ standby: boolean; read_only: string }>(
      "SELECT pg_is_in_recovery() AS standby, current_setting('transaction_read_only') AS read_only",
    );
    const row = rows[0];
    if (!row || row.standby || row.read_only === 'on') throw new Error('audit database is read-only');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /** Keyset pages, each its own short query, so an export never holds one huge result or a long snapshot. */
  private async *rows(range: EntryRange): AsyncIterable<EntryRow> {
    const since = range.since ? range.since.toISOString() : null;
    const until = range.until ? range.until.toISOString() : null;
    let after = 0;
    for (;;) {
      this.assertOpen();
      const { rows } = await this.pool.query<PgEntryRow>(
        `SELECT * FROM audit_entries
         WHERE seq > $1 AND ($2::text IS NULL OR at >= $2) AND ($3::text IS NULL OR at < $3)
         ORDER BY seq LIMIT $4`,
        [after, since, until, PAGE_SIZE],
      );
      const page = rows.map(toEntryRow);
      yield* page;
      const last = page.at(-1);
      if (!last || page.length < PAGE_SIZE) return;
      after = last.seq;
    }
  }

  /** One transaction holding the chain's lock: every write is serialised with every other, on every replica. */
  private async locked<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    this.assertOpen();
    return inTransaction(this.pool, work, this.beginLocked);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('audit store is closed');
  }
}
