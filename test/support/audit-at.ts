import { openPostgresAuditStore } from '../../src/audit/postgres/store.js';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import type { AttemptRecord, AuditEntry, AuditEvent, AuditStore } from '../../src/core/ports/audit.js';

/** Where a bot keeps its audit trail: a PostgreSQL URL, or else its SQLite file. */
export interface AuditLocation {
  databaseUrl?: string;
  sqlitePath?: string;
}

/** Opens the store a bot writes to, reads it, and closes it again. */
export async function readAudit<T>(at: AuditLocation, read: (store: AuditStore) => Promise<T>): Promise<T> {
  const store = at.databaseUrl
    ? await openPostgresAuditStore({ connectionString: at.databaseUrl })
    : at.sqlitePath
      ? openSqliteAuditStore({ path: at.sqlitePath })
      : null;
  if (!store) throw new Error('readAudit: no database URL and no SQLite path');
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

/** The entries that move an attempt (every entry but `notified`, which only says where a message went). */
export function stateEntries(entries: readonly AuditEntry[]): AuditEntry[] {
  return entries.filter((entry) => entry.event !== 'notified');
}

/** An order's history as each attempt's moves, attempts in the order they began: `[['requested', …], …]`. */
export async function attemptMoves(at: AuditLocation, orderNo: string): Promise<AuditEvent[][]> {
  const entries = await readAudit(at, (store) => store.orderHistory(orderNo));
  const moves = new Map<string, AuditEvent[]>();
  for (const entry of stateEntries(entries)) {
    const list = moves.get(entry.record.attemptId) ?? [];
    list.push(entry.event);
    moves.set(entry.record.attemptId, list);
  }
  return [...moves.values()];
}

/**
 * The attempt holding `orderNo`'s lock, and when the lease of the process that made its call ends (epoch ms,
 * by the store's clock: this machine's, or the PostgreSQL server's on the same machine); null when unlocked.
 */
export async function lockHolder(
  at: AuditLocation,
  orderNo: string,
): Promise<{ record: AttemptRecord; leaseEnd: number } | null> {
  return readAudit(at, async (store) => {
    const held = (await store.heldCalls()).find((call) => call.orderNo === orderNo);
    if (!held) return null;
    const lease = (await store.leases()).find((l) => l.instanceId === held.record.instanceId);
    return { record: held.record, leaseEnd: Date.parse(lease?.expiresAt ?? '') };
  });
}
