import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ChainHead } from '../../core/ports/audit.js';
import type { Logger } from '../../logger.js';
import { ensureDirectory, refuseDirectory } from '../ensure-directory.js';
import type { EntryRow } from '../entry-row.js';
import type { ItemColumns } from '../outbox-columns.js';
import { migrate } from './schema.js';

/**
 * Opens the file for the store: WAL, full sync and foreign keys on, a busy timeout so a second process waits
 * for the write lock instead of failing, and the schema migrated. A file that cannot be set up is closed.
 */
export function openDatabase(
  options: { path: string; busyTimeoutMs?: number },
  logger: Logger,
): Database.Database {
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
    migrate(db, logger);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

export interface RecordRow {
  record_json: string;
}

export interface LockRow {
  attempt_id: string;
  requester_id: string;
  acquired_at: string;
}

/** An attempt's snapshot and since when it has been in its state (the store's clock). */
export interface StateRow {
  record_json: string;
  state_since: string;
}

export interface AttemptRow {
  attempt_id: string;
  batch_id: string;
  state: string;
  order_no: string | null;
  requester_id: string;
  channel_id: string;
  updated_at: string;
  last_seq: number;
  record_json: string;
  /** Null keeps the stored time: the entry did not change the attempt's state. */
  state_since: string | null;
}

export interface HeldCallRow {
  order_no: string;
  acquired_at: string;
  record_json: string;
  accept_until: string | null;
  lease_expires_at: string | null;
}

/** An owed message as a write keeps it: pending since `owed_at`, due at once. */
export type OwedRow = Omit<ItemColumns, 'with_chain_head'> & { with_chain_head: number; owed_at: string };

export interface PageParams {
  after: number;
  since: string | null;
  until: string | null;
  limit: number;
}

/** Every statement the store runs, prepared once per connection. */
export function prepareStatements(db: Database.Database) {
  return {
    head: db.prepare<[], ChainHead>('SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1'),
    insertEntry: db.prepare<EntryRow>(
      `INSERT INTO audit_entries (seq, entry_id, attempt_id, order_no, event, at, record_json, prev_hash, hash)
       VALUES (@seq, @entry_id, @attempt_id, @order_no, @event, @at, @record_json, @prev_hash, @hash)`,
    ),
    upsertAttempt: db.prepare<AttemptRow>(
      `INSERT INTO attempts (attempt_id, batch_id, state, order_no, requester_id, channel_id, updated_at, last_seq, record_json, state_since)
       VALUES (@attempt_id, @batch_id, @state, @order_no, @requester_id, @channel_id, @updated_at, @last_seq, @record_json, @state_since)
       ON CONFLICT (attempt_id) DO UPDATE SET
         batch_id = excluded.batch_id, state = excluded.state, order_no = excluded.order_no,
         requester_id = excluded.requester_id, channel_id = excluded.channel_id,
         updated_at = excluded.updated_at, last_seq = excluded.last_seq, record_json = excluded.record_json,
         state_since = COALESCE(excluded.state_since, attempts.state_since)`,
    ),
    // A row from before migration 4 that an older release wrote since has no state_since: its last entry's time.
    attemptState: db.prepare<[string], StateRow>(
      `SELECT record_json, COALESCE(state_since, updated_at) AS state_since FROM attempts WHERE attempt_id = ?`,
    ),
    // The plan found the lock free, or this attempt's, or released earlier in the same write: it sets the holder.
    takeLock: db.prepare<[string, string, string, string]>(
      `INSERT INTO order_locks (order_no, attempt_id, requester_id, acquired_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (order_no) DO UPDATE SET
         attempt_id = excluded.attempt_id, requester_id = excluded.requester_id, acquired_at = excluded.acquired_at`,
    ),
    lockHolder: db.prepare<[string], LockRow>(
      'SELECT attempt_id, requester_id, acquired_at FROM order_locks WHERE order_no = ?',
    ),
    releaseLock: db.prepare<[string, string]>(
      'DELETE FROM order_locks WHERE order_no = ? AND attempt_id = ?',
    ),
    acceptUntil: db.prepare<[string], { accept_until: string }>(
      'SELECT accept_until FROM call_fences WHERE attempt_id = ?',
    ),
    recordFence: db.prepare<{ attempt_id: string; accept_until: string; fenced_at: string }>(
      `INSERT INTO call_fences (attempt_id, accept_until, fenced_at, fences)
       VALUES (@attempt_id, @accept_until, @fenced_at, 1)
       ON CONFLICT (attempt_id) DO UPDATE SET
         accept_until = excluded.accept_until, fenced_at = excluded.fenced_at, fences = call_fences.fences + 1`,
    ),
    leaseExpiry: db.prepare<[string], { expires_at: string }>(
      'SELECT expires_at FROM instance_leases WHERE instance_id = ?',
    ),
    // The newest control entry, through the partial index of migration 3: one index step, however long the chain.
    controlState: db.prepare<[], EntryRow>(
      "SELECT * FROM audit_entries WHERE event IN ('paused', 'resumed') ORDER BY seq DESC LIMIT 1",
    ),
    // A key owed before (a retried write) is kept once: only that conflict is ignored, never a failed CHECK.
    insertOwed: db.prepare<OwedRow>(
      `INSERT INTO outbox (key, slot, mode, channel_id, thread_ts, attempt_ids, body, with_chain_head, state, tries,
         owed_at, next_try_at)
       VALUES (@key, @slot, @mode, @channel_id, @thread_ts, @attempt_ids, @body, @with_chain_head, 'pending', 0,
         @owed_at, @owed_at)
       ON CONFLICT (key) DO NOTHING`,
    ),
    findAttempt: db.prepare<[string], RecordRow>('SELECT record_json FROM attempts WHERE attempt_id = ?'),
    // Through attempts_batch_id (migration 5); attempt ids are ULIDs, so their order is the order requested.
    batchAttempts: db.prepare<[string], RecordRow>(
      'SELECT record_json FROM attempts WHERE batch_id = ? ORDER BY attempt_id',
    ),
    heldCalls: db.prepare<[], HeldCallRow>(
      `SELECT l.order_no, l.acquired_at, a.record_json, f.accept_until, s.expires_at AS lease_expires_at
       FROM order_locks l
       JOIN attempts a ON a.attempt_id = l.attempt_id
       LEFT JOIN instance_leases s ON s.instance_id = json_extract(a.record_json, '$.instanceId')
       LEFT JOIN call_fences f ON f.attempt_id = l.attempt_id
       ORDER BY l.acquired_at, l.order_no`,
    ),
    // Through attempts_state_since (migration 4): one range per state, however many attempts are final.
    idleAttempts: db.prepare<{ states: string; before: string; limit: number }, StateRow>(
      `SELECT record_json, state_since FROM attempts
       WHERE state IN (SELECT value FROM json_each(@states)) AND state_since <= @before
       ORDER BY state_since, attempt_id LIMIT @limit`,
    ),
    orderHistory: db.prepare<[string], EntryRow>(
      'SELECT * FROM audit_entries WHERE order_no = ? ORDER BY seq',
    ),
    recentAttempts: db.prepare<{ requester: string | null; states: string | null; limit: number }, RecordRow>(
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
}

export type Statements = ReturnType<typeof prepareStatements>;
