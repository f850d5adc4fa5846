import type { AuditStore } from '../core/ports/audit.js';
import type { Logger } from '../logger.js';
import type { SharedClock } from './sqlite/shared-clock.js';

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
  /** With `sqliteOnThread`: told when the thread stops on its own, so the caller can open a new one. */
  onThreadLost?: (error: Error) => void;
  /** SQLite's clock, when a test sets it (PostgreSQL keeps the server's). */
  sqliteClock?: SharedClock | undefined;
}): Promise<AuditStore> {
  // Imported on demand: a bot on SQLite never loads `pg`, and on its thread never loads SQLite in the main
  // isolate (each costs resident memory; BENCHMARKS.md has the figure).
  if (isPostgresUrl(options.databaseUrl)) {
    const { openPostgresAuditStore } = await import('./postgres/store.js');
    return openPostgresAuditStore({ connectionString: options.databaseUrl, logger: options.logger });
  }
  if (options.sqliteOnThread) {
    const { openThreadedSqliteAuditStore } = await import('./sqlite/threaded-store.js');
    return openThreadedSqliteAuditStore({
      path: options.sqlitePath,
      logger: options.logger,
      onLost: options.onThreadLost,
      ...(options.sqliteClock ? { clock: options.sqliteClock } : {}),
    });
  }
  const { openSqliteAuditStore } = await import('./sqlite/store.js');
  return openSqliteAuditStore({
    path: options.sqlitePath,
    logger: options.logger,
    ...(options.sqliteClock ? { now: options.sqliteClock.now } : {}),
  });
}
