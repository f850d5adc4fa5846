import type { Pool, PoolClient } from 'pg';
import type { ChainHead, ControlEntry } from '../../core/ports/audit.js';
import { asControlEntry, type EntryRow, rowToEntry } from '../entry-row.js';
import type { PgEntryRow } from './store.js';

/** pg returns BIGINT as a string. */
export function toEntryRow(row: PgEntryRow): EntryRow {
  return { ...row, seq: Number(row.seq) };
}

/**
 * The newest `paused` / `resumed` entry. Served by the partial index of migration 3
 * (`audit_entries_control`): one index step however long the chain, so every replica can ask every second.
 */
export async function readControlState(pool: Pool | PoolClient): Promise<ControlEntry | null> {
  const { rows } = await pool.query<PgEntryRow>(
    "SELECT * FROM audit_entries WHERE event IN ('paused', 'resumed') ORDER BY seq DESC LIMIT 1",
  );
  const row = rows[0];
  return row ? asControlEntry(rowToEntry(toEntryRow(row))) : null;
}

/** The chain's newest entry: its position and hash. */
export async function readHead(db: Pool | PoolClient): Promise<ChainHead | null> {
  const { rows } = await db.query<{ seq: string; hash: string }>(
    'SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1',
  );
  return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : null;
}
