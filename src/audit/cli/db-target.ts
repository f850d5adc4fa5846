import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AuditStore } from '../../core/ports/audit.js';
import type { Logger } from '../../logger.js';
import { isPostgresUrl } from '../open-store.js';
import { openPostgresAuditStore } from '../postgres/store.js';
import { openSqliteAuditStore } from '../sqlite/store.js';

const DEFAULT_SQLITE_PATH = './data/audit.db';

/** `chosenBy`: which setting named the database, so that a missing one can be explained. */
export type DbTarget =
  | { kind: 'postgres'; url: string }
  | { kind: 'sqlite'; path: string; chosenBy: '--db' | 'AUDIT_DB_PATH' | 'default' };

/** `--db` (a SQLite path or a postgres URL), else DATABASE_URL, else AUDIT_DB_PATH, else ./data/audit.db. */
export function resolveDbTarget(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): DbTarget {
  const chosen =
    nonEmpty(flag) ?? nonEmpty(env.DATABASE_URL) ?? nonEmpty(env.AUDIT_DB_PATH) ?? DEFAULT_SQLITE_PATH;
  if (isPostgresUrl(chosen)) return { kind: 'postgres', url: chosen };
  const chosenBy = nonEmpty(flag) ? '--db' : nonEmpty(env.AUDIT_DB_PATH) ? 'AUDIT_DB_PATH' : 'default';
  return { kind: 'sqlite', path: resolve(cwd, chosen), chosenBy };
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
  constructor(target: Extract<DbTarget, { kind: 'sqlite' }>) {
    super(
      target.chosenBy === 'default'
        ? `no audit database at ${target.path}: neither --db, DATABASE_URL nor AUDIT_DB_PATH is set, so the default was used. Under systemd or in a container the bot's variables are not in this shell: see docs/deploy.md for the command there`
        : `no audit database at ${target.path} (from ${target.chosenBy})`,
    );
    this.name = 'MissingDatabaseError';
  }
}

/** The CLI only reads: it must not create an empty SQLite file and then report an empty chain as intact. */
export async function openTargetStore(target: DbTarget, logger: Logger): Promise<AuditStore> {
  if (target.kind === 'postgres')
    return openPostgresAuditStore({ connectionString: target.url, logger, poolMax: 2 });
  if (!existsSync(target.path)) throw new MissingDatabaseError(target);
  return openSqliteAuditStore({ path: target.path, logger });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
