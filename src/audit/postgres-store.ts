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
  EntryRange,
} from '../core/ports/audit.js';
import { idFactory } from '../ids.js';
import { createLogger, type Logger } from '../logger.js';
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

export interface PostgresAuditStoreOptions {
  connectionString: string;
  logger?: Logger;
  poolMax?: number;
  /** Entry id generator; defaults to monotonic ULIDs. */
  ids?: () => string;
  /** How long a write waits for a connection (a new one, or a free one from the pool) before it fails. */
  connectTimeoutMs?: number;
  /** How long a write waits for the chain's lock (or any row lock) before it fails. */
  lockTimeoutMs?: number;
  /** How long one statement may run before the server cancels it. */
  statementTimeoutMs?: number;
  /** How long the server lets one of our transactions sit idle before it ends the session. */
  idleInTransactionTimeoutMs?: number;
  /** How long we wait for the answer to one query before we give the connection up for dead. */
  queryTimeoutMs?: number;
}

/**
 * pg waits for a connection forever by default, and a database host that stops answering (no RST, packets
 * dropped) holds every write for the OS's TCP timeout. Failing the write instead is the designed path: nothing
 * is cancelled without a record, and a call whose outcome could not be written is reconciled later.
 */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Every write takes one lock that serialises the whole chain, so one stuck session (a psql left inside a
 * transaction, a replica frozen mid-write) would otherwise stop every cancel everywhere, silently. These are
 * the server's own timeouts: a write they stop is rolled back, so "failed" always means nothing was kept.
 * Migrations run without them. The idle limit ends the session of a writer that stalls while
 * holding the lock, which releases it for everyone else.
 */
const LOCK_TIMEOUT_MS = 5_000;
const STATEMENT_TIMEOUT_MS = 15_000;
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000;

/**
 * The server's timeouts need a server. A host that vanishes mid-query (a failover moving the address) leaves the
 * query waiting for TCP to give up (minutes; README), holding one of the pool's few connections. Past this, our side
 * drops the connection. It is longer than the statement timeout, so a live server always answers first. An
 * answer lost after COMMIT was sent makes a write that did happen look failed; that is safe: before a WDT call
 * the cancel is refused (a `calling` entry left behind is settled by the reconciler from WDT's own record),
 * after it the outcome write is retried and then reconciled.
 */
const QUERY_TIMEOUT_MS = 20_000;

/** Advisory lock keys (arbitrary constants, unique to this app): one for the chain head, one for migrations. */
export const CHAIN_LOCK_KEY = '7350412901';
export const MIGRATION_LOCK_KEY = '7350412902';

const PAGE_SIZE = 500;

const APPEND_ONLY_FUNCTION_BODY = `
BEGIN
  RAISE EXCEPTION 'audit_entries is append-only (% refused)', TG_OP;
END
`;
const APPEND_ONLY_FUNCTION = `CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger
  LANGUAGE plpgsql AS $$${APPEND_ONLY_FUNCTION_BODY}$$`;

/** tgtype bits: ROW 1, BEFORE 2, DELETE 8, UPDATE 16, TRUNCATE 32; checked at open with the function. */
const APPEND_ONLY_TRIGGERS = {
  audit_entries_no_update_delete: {
    tgtype: 1 + 2 + 8 + 16,
    sql: `CREATE TRIGGER audit_entries_no_update_delete
      BEFORE UPDATE OR DELETE ON audit_entries FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()`,
  },
  audit_entries_no_truncate: {
    tgtype: 2 + 32,
    sql: `CREATE TRIGGER audit_entries_no_truncate
      BEFORE TRUNCATE ON audit_entries FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()`,
  },
} as const;

const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'audit trail, attempts projection, claims, order locks',
    sql: `
      CREATE TABLE audit_entries (
        seq BIGINT PRIMARY KEY CHECK (seq > 0),
        entry_id TEXT NOT NULL UNIQUE,
        attempt_id TEXT NOT NULL,
        order_no TEXT,
        event TEXT NOT NULL,
        -- The exact ISO-8601 text that was hashed; "C" collation so text order is time order.
        at TEXT COLLATE "C" NOT NULL,
        -- Canonical JSON, kept as text so verification re-hashes the very bytes that were hashed.
        record_json TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_entries_order_no ON audit_entries (order_no, seq);
      ${APPEND_ONLY_FUNCTION};
      ${APPEND_ONLY_TRIGGERS.audit_entries_no_update_delete.sql};
      ${APPEND_ONLY_TRIGGERS.audit_entries_no_truncate.sql};
      -- ALWAYS: session_replication_role = replica must not switch the guard off either.
      ALTER TABLE audit_entries ENABLE ALWAYS TRIGGER audit_entries_no_update_delete;
      ALTER TABLE audit_entries ENABLE ALWAYS TRIGGER audit_entries_no_truncate;
      CREATE TABLE attempts (
        attempt_id TEXT PRIMARY KEY,
        batch_id TEXT NOT NULL,
        state TEXT NOT NULL,
        order_no TEXT,
        requester_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        last_seq BIGINT NOT NULL REFERENCES audit_entries (seq),
        record_json TEXT NOT NULL
      );
      CREATE INDEX attempts_state ON attempts (state, last_seq);
      CREATE INDEX attempts_requester_id ON attempts (requester_id, last_seq);
      CREATE TABLE claims (
        key TEXT PRIMARY KEY,
        at TIMESTAMPTZ NOT NULL
      );
      CREATE TABLE order_locks (
        order_no TEXT PRIMARY KEY,
        attempt_id TEXT NOT NULL REFERENCES attempts (attempt_id) DEFERRABLE INITIALLY DEFERRED,
        requester_id TEXT NOT NULL,
        acquired_at TIMESTAMPTZ NOT NULL
      );
    `,
  },
];

/** pg returns BIGINT as a string. */
type PgEntryRow = Omit<EntryRow, 'seq'> & { seq: string };

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

async function migrate(pool: Pool, logger: Logger): Promise<void> {
  await inTransaction(pool, async (client) => {
    // Whatever the role's defaults say: a migration finishes, and waits for another replica's as long as it takes.
    await client.query('SET LOCAL lock_timeout = 0; SET LOCAL statement_timeout = 0');
    // Two replicas starting together: the second waits here, then finds the work done.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    // DDL only when something is missing, so a role with just SELECT/INSERT can start on a migrated database.
    const { rows: found } = await client.query<{ present: boolean }>(
      "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
    );
    if (!found[0]?.present) {
      await client.query(`CREATE TABLE schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    }
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      logger.info({ version: migration.version, name: migration.name }, 'audit schema migration applied');
    }
    await ensureAppendOnlyTriggers(client, logger);
  });
}

/** A missing, disabled or rewritten guard on an existing database means someone changed it by hand. */
async function ensureAppendOnlyTriggers(client: PoolClient, logger: Logger): Promise<void> {
  const { rows: fn } = await client.query<{ prosrc: string }>(
    "SELECT prosrc FROM pg_proc WHERE oid = to_regproc('audit_entries_append_only')",
  );
  if (fn[0]?.prosrc !== APPEND_ONLY_FUNCTION_BODY) {
    await client.query(APPEND_ONLY_FUNCTION);
    logger.warn(
      'audit append-only trigger function was missing or altered and has been restored; run `audit verify`',
    );
  }
  const { rows } = await client.query<{
    tgname: string;
    tgenabled: string;
    tgtype: number;
    guarded: boolean;
  }>(
    `SELECT tgname, tgenabled, tgtype, tgfoid = to_regproc('audit_entries_append_only')::oid AS guarded
     FROM pg_trigger WHERE tgrelid = 'audit_entries'::regclass AND NOT tgisinternal`,
  );
  const present = new Map(rows.map((row) => [row.tgname, row]));
  for (const [name, expected] of Object.entries(APPEND_ONLY_TRIGGERS)) {
    const found = present.get(name);
    if (found?.tgenabled === 'A' && found.tgtype === expected.tgtype && found.guarded) continue;
    if (found === undefined || found.tgtype !== expected.tgtype || !found.guarded) {
      if (found) await client.query(`DROP TRIGGER ${name} ON audit_entries`);
      await client.query(expected.sql);
      logger.warn(
        { trigger: name },
        `audit append-only trigger was ${found ? 'altered' : 'missing'} and has been restored; run \`audit verify\``,
      );
    } else if (found.tgenabled === 'D') {
      logger.warn(
        { trigger: name },
        'audit append-only trigger was disabled and has been re-enabled; run `audit verify`',
      );
    }
    await client.query(`ALTER TABLE audit_entries ENABLE ALWAYS TRIGGER ${name}`);
  }
}

/**
 * A write's BEGIN, with the write timeouts for that transaction only, in the same round trip. Set per
 * transaction rather than as connection parameters, which PgBouncer refuses unless told to ignore them.
 */
function beginWrite(options: PostgresAuditStoreOptions): string {
  const ms = (value: number) => Math.max(0, Math.trunc(value));
  return [
    'BEGIN',
    `SET LOCAL lock_timeout = ${ms(options.lockTimeoutMs ?? LOCK_TIMEOUT_MS)}`,
    `SET LOCAL statement_timeout = ${ms(options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS)}`,
    `SET LOCAL idle_in_transaction_session_timeout = ${ms(options.idleInTransactionTimeoutMs ?? IDLE_IN_TRANSACTION_TIMEOUT_MS)}`,
  ].join('; ');
}

async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // The server may end the session while we hold the client (the idle-in-transaction limit, a restart, an
  // operator's pg_terminate_backend): pg then emits 'error' on it, and unheard that would crash the process.
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (isReadTimeout(error)) {
      // A ROLLBACK would only queue behind the query that never answered; the server rolls back on its own
      // when the connection dies.
      broken = error;
      throw error;
    }
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      // The connection is unusable; destroy it instead of returning it to the pool.
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** pg's own error when `query_timeout` passes without an answer. */
function isReadTimeout(error: unknown): error is Error {
  return error instanceof Error && error.message === 'Query read timeout';
}

function toEntryRow(row: PgEntryRow): EntryRow {
  return { ...row, seq: Number(row.seq) };
}

class PostgresAuditStore implements AuditStore {
  readonly backend = 'postgres' as const;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
    private readonly nextId: () => string,
    private readonly begin: string,
  ) {}

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

async function readHead(db: Pool | PoolClient): Promise<ChainHead | null> {
  const { rows } = await db.query<{ seq: string; hash: string }>(
    'SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1',
  );
  return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : null;
}
