import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { isPostgresUrl, openAuditStore } from '../audit/open-store.js';
import { describeStoreError, storeTarget } from '../audit/store-failure.js';
import type { Config } from '../config/config.js';
import type { AuditStore } from '../core/ports/audit.js';
import { type CheckResult, check, skipped } from './check.js';

const STORE = 'Audit store';
const CHAIN = 'Audit chain';

/**
 * The audit store the bot would open: it opens, it can write (the store's own write probe, which writes
 * nothing), and its hash chain verifies. A SQLite file that does not exist yet is not created: the folder it
 * would go in must be writable, and the bot creates the file at its first start.
 */
export async function auditChecks(
  config: Config,
  deps: { cwd: string; logger: Logger },
): Promise<CheckResult[]> {
  const sqlitePath = resolve(deps.cwd, config.AUDIT_DB_PATH);
  const { variable, where } = storeTarget(config.DATABASE_URL, sqlitePath);
  const label = `${isPostgresUrl(config.DATABASE_URL) ? 'PostgreSQL' : 'SQLite'} ${where}`;
  if (!isPostgresUrl(config.DATABASE_URL) && !existsSync(sqlitePath)) {
    const folder = nearestExisting(dirname(sqlitePath));
    return writable(folder)
      ? [
          check(
            'pass',
            STORE,
            `${label} does not exist yet; the bot creates it at its first start (${folder} is writable)`,
          ),
          check('info', CHAIN, 'empty until the first request'),
        ]
      : [
          check(
            'fail',
            STORE,
            `${label} cannot be created: ${folder} is not writable by this user; fix ${variable} or the folder's owner`,
          ),
          ...skipped([CHAIN], 'no store'),
        ];
  }
  let store: AuditStore;
  try {
    store = await openAuditStore({ databaseUrl: config.DATABASE_URL, sqlitePath, logger: deps.logger });
  } catch (error) {
    return [
      check('fail', STORE, `${label} cannot be opened (${describeStoreError(error)}): fix ${variable}`),
      ...skipped([CHAIN], 'no store'),
    ];
  }
  try {
    const results: CheckResult[] = [];
    const canWrite = await store.ping().then(
      () => null,
      (error: unknown) => describeStoreError(error),
    );
    results.push(
      canWrite === null
        ? check('pass', STORE, `${label} opens and takes writes`)
        : check('fail', STORE, `${label} opens but cannot take writes (${canWrite})`),
    );
    const verdict = await store.verifyChain();
    results.push(
      verdict.ok
        ? check('pass', CHAIN, `intact: ${verdict.entries} entries, head ${verdict.headHash.slice(0, 16)}…`)
        : check(
            'fail',
            CHAIN,
            `broken at entry ${verdict.firstBadSeq} (${verdict.problem}): stop and investigate before any cancel (docs/audit.md)`,
          ),
    );
    return results;
  } finally {
    await store.close();
  }
}

function nearestExisting(dir: string): string {
  let current = dir;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
