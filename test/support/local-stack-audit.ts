import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import type { AuditEntry } from '../../src/core/ports/audit.js';

/** Every entry of a local stack's SQLite audit file, in chain order. */
export async function auditEntriesAt(path: string): Promise<AuditEntry[]> {
  const store = openSqliteAuditStore({ path });
  try {
    const entries: AuditEntry[] = [];
    for await (const entry of store.entries()) entries.push(entry);
    return entries;
  } finally {
    await store.close();
  }
}
