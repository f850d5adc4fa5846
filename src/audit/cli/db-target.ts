import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AuditStore } from '../../core/ports/audit.js';
import type { Logger } from '../../logger.js';
import { isPostgresUrl } from '../open-store.js';
import { openPostgresAuditStore } from '../postgres/store.js';
import { openSqliteAuditStore } from '../sqlite/store.js';

const DEFAULT_SQLITE_PATH = './data/audit.db';

export type DbTarget = { kind: 'postgres'; url: string } | { kind: 'sqlite'; path: string };

/** `--db` (a SQLite path or a postgres URL), else DATABASE_URL, else AUDIT_DB_PATH, else ./data/audit.db. */
export function resolveDbTarget(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): DbTarget {
  const chosen =
    nonEmpty(flag) ?? nonEmpty(env.DATABASE_URL) ?? nonEmpty(env.AUDIT_DB_PATH) ?? DEFAULT_SQLITE_PATH;
  return isPostgresUrl(chosen)
    ? { kind: 'postgres', url: chosen }
    : { kind: 'sqlite', path: resolve(cwd, chosen) };
}

/** For messages: never prints a password. */
export function describeDbTarget(target: DbTarget): string {
  if (target.kind === 'sqlite') return `SQLite ${target.path}`;
  try {
    const url = new URL(target.url);
    return `PostgreSQL ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return 'PostgreSQL (unparseable URL)';
  }
}

class MissingDatabaseError extends Error {
  constructor(path: string) {
    super(`no audit database at ${path}`);
    this.name = 'MissingDatabaseError';
  }
}

/** The CLI only reads: it must not create an empty SQLite file and then report an empty chain as intact. */
export async function openTargetStore(target: DbTarget, logger: Logger): Promise<AuditStore> {
  if (target.kind === 'postgres')
    return openPostgresAuditStore({ connectionString: target.url, logger, poolMax: 2 });
  if (!existsSync(target.path)) throw new MissingDatabaseError(target.path);
  return openSqliteAuditStore({ path: target.path, logger });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
