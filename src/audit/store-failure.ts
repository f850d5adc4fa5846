import { isPostgresUrl } from './open-store.js';

/** Open failures no retry can mend: the bot exits 1 rather than wait on a file it must never touch. */
const PERMANENT_CODES = new Set(['EISDIR', 'SQLITE_NOTADB', 'SQLITE_CORRUPT']);

export interface StoreTarget {
  /** The variable an operator changes: `DATABASE_URL` or `AUDIT_DB_PATH`. */
  variable: 'DATABASE_URL' | 'AUDIT_DB_PATH';
  /** The path, or the URL's host, port and database: never its user name or password. */
  where: string;
}

export function storeTarget(databaseUrl: string | undefined, sqlitePath: string): StoreTarget {
  if (!isPostgresUrl(databaseUrl)) return { variable: 'AUDIT_DB_PATH', where: sqlitePath };
  try {
    const url = new URL(databaseUrl);
    return { variable: 'DATABASE_URL', where: `${url.hostname}:${url.port || '5432'}${url.pathname}` };
  } catch {
    return { variable: 'DATABASE_URL', where: '(unparsable URL)' };
  }
}

/** SQLite's own words are lost on the way out of its thread for some codes: these say what the file is. */
const EXPLAINED: Record<string, string> = {
  SQLITE_NOTADB: 'the file is not an SQLite database',
  SQLITE_CORRUPT: 'the database file is corrupt',
};

/** `SQLITE_NOTADB: file is not a database`, `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:5433`, … */
export function describeStoreError(error: unknown): string {
  const code = errorCode(error);
  const message = (error instanceof Error && error.message) || (code && EXPLAINED[code]) || '';
  const text = code && !message.startsWith(code) ? `${code}${message ? `: ${message}` : ''}` : message;
  return (text || String(error)).slice(0, 300);
}

export function isPermanentStoreError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && PERMANENT_CODES.has(code);
}

function errorCode(error: unknown): string | undefined {
  const code = error && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Thrown at start-up for a store that can never open as configured (see PERMANENT_CODES). */
export class AuditStoreUnusableError extends Error {
  readonly target: StoreTarget;
  constructor(target: StoreTarget, cause: unknown) {
    super(`${target.variable} (${target.where}) cannot be used: ${describeStoreError(cause)}`, { cause });
    this.name = 'AuditStoreUnusableError';
    this.target = target;
  }
}
