import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ChainHead } from '../../core/ports/audit.js';
import type { Logger } from '../../logger.js';
import { ensureDirectory, refuseDirectory } from '../ensure-directory.js';
import type { EntryRow } from '../entry-row.js';
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

interface LockRow {
  attempt_id: string;
  requester_id: string;
  acquired_at: string;
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
}

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
    // The newest control entry, through the partial index of migration 3: one index step, however long the chain.
    controlState: db.prepare<[], EntryRow>(
      "SELECT * FROM audit_entries WHERE event IN ('paused', 'resumed') ORDER BY seq DESC LIMIT 1",
    ),
    findAttempt: db.prepare<[string], RecordRow>('SELECT record_json FROM attempts WHERE attempt_id = ?'),
    stuckCalling: db.prepare<[], RecordRow>(
      "SELECT record_json FROM attempts WHERE state = 'calling' ORDER BY last_seq",
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
