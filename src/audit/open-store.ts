import type { AuditStore } from '../core/ports/audit.js';
import type { Logger } from '../logger.js';
import { openPostgresAuditStore } from './postgres-store.js';
import { openSqliteAuditStore } from './sqlite-store.js';
import { openThreadedSqliteAuditStore } from './sqlite-thread/threaded-sqlite-store.js';

/** True when `target` names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(target: string | undefined): target is string {
  return target !== undefined && /^postgres(ql)?:\/\//i.test(target);
}

/**
 * PostgreSQL when a postgres:// URL is configured (several replicas can share it), else the SQLite file —
 * on a worker thread when `sqliteOnThread` (the bot: its fsyncs must not stall the event loop that acks
 * Slack), in-line otherwise (the CLI).
 */
export async function openAuditStore(options: {
  databaseUrl?: string | undefined;
  sqlitePath: string;
  logger: Logger;
  sqliteOnThread?: boolean;
}): Promise<AuditStore> {
  if (isPostgresUrl(options.databaseUrl)) {
    return openPostgresAuditStore({ connectionString: options.databaseUrl, logger: options.logger });
  }
  if (options.sqliteOnThread) {
    return openThreadedSqliteAuditStore({ path: options.sqlitePath, logger: options.logger });
  }
  return openSqliteAuditStore({ path: options.sqlitePath, logger: options.logger });
}
