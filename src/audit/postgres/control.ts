import type { Pool, PoolClient } from 'pg';
import type { ControlEntry } from '../../core/ports/audit.js';
import { asControlEntry, rowToEntry } from '../entry-row.js';
import type { PgEntryRow } from './store.js';

/**
 * The newest `paused` / `resumed` entry. Served by the partial index of migration 3
 * (`audit_entries_control`): one index step however long the chain, so every replica can ask every second.
 */
export async function readControlState(pool: Pool | PoolClient): Promise<ControlEntry | null> {
  const { rows } = await pool.query<PgEntryRow>(
    "SELECT * FROM audit_entries WHERE event IN ('paused', 'resumed') ORDER BY seq DESC LIMIT 1",
  );
  const row = rows[0];
  return row ? asControlEntry(rowToEntry({ ...row, seq: Number(row.seq) })) : null;
}
