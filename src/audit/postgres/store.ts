import { Pool, type PoolClient } from 'pg';
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
import { readControlState, readHead, toEntryRow } from './chain-reads.js';
import { postgresLeases } from './leases.js';
import { migrate } from './schema.js';
import {
  beginWrite,
  CONNECT_TIMEOUT_MS,
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
  return new PostgresAuditStore(pool, logger, options.ids ?? idFactory(), beginWrite(options));
}

class PostgresAuditStore implements AuditStore {
  readonly backend = 'postgres' as const;
  private closed = false;
  private readonly leaseQueries;

  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
    private readonly nextId: () => string,
    private readonly begin: string,
  ) {
    this.leaseQueries = postgresLeases(pool);
  }

  async append(event: AuditEvent, record: AttemptRecord, at: Date): Promise<AuditEntry> {
    assertAppendable(event, record, at);
    return this.write((client) => this.appendInTransaction(client, event, record, at));
  }

  async claimOnce(key: string, at: Date): Promise<boolean> {
    this.assertOpen();
    const result = await this.pool.query(
      'INSERT INTO claims (key, at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING',
      [key, at],
    );
    return result.rowCount === 1;
  }

  async beginCall(record: AttemptRecord, at: Date): Promise<BeginCallResult> {
    const orderNo = assertBeginCall(record, at);
    return this.write((client) => this.lockAndAppendCalling(client, record, orderNo, at));
  }

  async confirmAndBeginCall(
    claimKey: string,
    confirmed: AttemptRecord,
    calling: AttemptRecord,
    at: Date,
  ): Promise<ConfirmCallResult> {
    const orderNo = assertConfirmAndCall(claimKey, confirmed, calling, at);
    return this.write(async (client): Promise<ConfirmCallResult> => {
      const claimed = await client.query(
        'INSERT INTO claims (key, at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING',
        [claimKey, at],
      );
      if (claimed.rowCount !== 1) return { kind: 'already_claimed' };
      const confirmedEntry = await this.appendInTransaction(client, 'confirmed', confirmed, at);
      const begun = await this.lockAndAppendCalling(client, calling, orderNo, at);
      return begun.ok
        ? { kind: 'begun', confirmed: confirmedEntry, calling: begun.entry }
        : { kind: 'locked', confirmed: confirmedEntry, holder: begun.holder };
    });
  }

  async finishCall(event: AttemptState, record: AttemptRecord, at: Date): Promise<AuditEntry> {
    assertFinishEvent(event);
    assertAppendable(event, record, at);
    return this.write(async (client) => {
      const entry = await this.appendInTransaction(client, event, record, at);
      const released = record.orderNo
        ? await client.query('DELETE FROM order_locks WHERE order_no = $1 AND attempt_id = $2', [
            record.orderNo,
            record.attemptId,
          ])
        : null;
      if (!released?.rowCount) {
        this.logger.warn(
          { attemptId: record.attemptId, orderNo: record.orderNo, event },
          'finishCall: this attempt held no order lock',
        );
      }
      return entry;
    });
  }

  async recordControl(record: ControlRecord, at: Date): Promise<ControlChange> {
    assertControl(record, at);
    return this.write(async (client): Promise<ControlChange> => {
      // Under the chain lock: a pause written by another replica meanwhile is seen here.
      const current = await readControlState(client);
      if (!controlChanges(record.state, current)) return { changed: false, current };
      const entry = await this.appendInTransaction(client, record.state, controlAsRecord(record), at);
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

  async findStuckCalling(): Promise<AttemptRecord[]> {
    this.assertOpen();
    const { rows } = await this.pool.query<RecordRow>(
      "SELECT record_json FROM attempts WHERE state = 'calling' ORDER BY last_seq",
    );
    return rows.map((row) => JSON.parse(row.record_json));
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

  private async write<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    this.assertOpen();
    return inTransaction(
      this.pool,
      async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK_KEY]);
        return work(client);
      },
      this.begin,
    );
  }

  /** Takes the order's lock and appends `calling`, or names the attempt that holds the lock. */
  private async lockAndAppendCalling(
    client: PoolClient,
    record: AttemptRecord,
    orderNo: string,
    at: Date,
  ): Promise<BeginCallResult> {
    const taken = await client.query(
      `INSERT INTO order_locks (order_no, attempt_id, requester_id, acquired_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (order_no) DO NOTHING`,
      [orderNo, record.attemptId, record.requesterId, at],
    );
    if (taken.rowCount === 0) {
      const { rows } = await client.query<{ attempt_id: string; requester_id: string; acquired_at: Date }>(
        'SELECT attempt_id, requester_id, acquired_at FROM order_locks WHERE order_no = $1',
        [orderNo],
      );
      const holder = rows[0];
      if (!holder) throw new Error(`audit: order lock for ${orderNo} vanished inside a transaction`);
      return {
        ok: false,
        holder: {
          attemptId: holder.attempt_id,
          requesterId: holder.requester_id,
          since: holder.acquired_at.toISOString(),
        },
      };
    }
    return { ok: true, entry: await this.appendInTransaction(client, 'calling', record, at) };
  }

  private async appendInTransaction(
    client: PoolClient,
    event: AuditEvent,
    record: AttemptRecord,
    at: Date,
  ): Promise<AuditEntry> {
    // Read after taking the chain lock: under READ COMMITTED this statement sees every committed append.
    const head = (await readHead(client)) ?? { seq: 0, hash: GENESIS_HASH };
    const { entry, row } = buildEntry(head, this.nextId(), event, record, at);
    await client.query(
      `INSERT INTO audit_entries (seq, entry_id, attempt_id, order_no, event, at, record_json, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        row.seq,
        row.entry_id,
        row.attempt_id,
        row.order_no,
        row.event,
        row.at,
        row.record_json,
        row.prev_hash,
        row.hash,
      ],
    );
    // A pause or a resume is about no attempt: it stays out of the attempts view (App Home, reconcile, gauges).
    if (isControlEvent(event)) return entry;
    await client.query(
      `INSERT INTO attempts (attempt_id, batch_id, state, order_no, requester_id, channel_id, updated_at, last_seq, record_json)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (attempt_id) DO UPDATE SET
         batch_id = excluded.batch_id, state = excluded.state, order_no = excluded.order_no,
         requester_id = excluded.requester_id, channel_id = excluded.channel_id,
         updated_at = excluded.updated_at, last_seq = excluded.last_seq, record_json = excluded.record_json`,
      [
        record.attemptId,
        record.batchId,
        record.state,
        record.orderNo,
        record.requesterId,
        record.channelId,
        row.at,
        row.seq,
        row.record_json,
      ],
    );
    return entry;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('audit store is closed');
  }
}
