import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openPostgresAuditStore } from '../../src/audit/postgres/store.js';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import { openThreadedSqliteAuditStore } from '../../src/audit/sqlite/threaded-store.js';
import type { AuditStore } from '../../src/core/ports/audit.js';
import { createLogger } from '../../src/logger.js';
import { requestedAttempt } from '../lib/attempt-records.js';
import { median } from '../lib/stats.js';

export interface AppendRate {
  appendsPerSec: number;
  appends: number;
  concurrency: number;
}

/** Attempt numbers across runs: each write is a new attempt, whichever run (warm-up or measured) writes it. */
let attempts = 0;

/** Writes new `requested` attempts for `durationMs` with `concurrency` callers in flight. */
async function appendFor(store: AuditStore, durationMs: number, concurrency: number): Promise<AppendRate> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() - started < durationMs) {
      next++;
      const at = new Date();
      const written = await store.write([{ from: null, record: requestedAttempt(attempts++, at) }], at);
      if (!written.ok) throw new Error(`micro-audit: a new attempt was refused (${written.conflict.kind})`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - started;
  return { appendsPerSec: (next / elapsed) * 1000, appends: next, concurrency };
}

/** A short warm-up (prepared statements, JIT, the file's first pages), then the measured run. */
async function warmedAppendRate(
  store: AuditStore,
  durationMs: number,
  concurrency: number,
): Promise<AppendRate> {
  await appendFor(store, Math.min(200, durationMs / 4), concurrency);
  return appendFor(store, durationMs, concurrency);
}

/** The SQLite store as the bot opens it (WAL, synchronous=FULL), on a fresh file in `workDir`. */
export async function benchSqliteAppends(workDir: string, durationMs: number): Promise<AppendRate> {
  const store = openSqliteAuditStore({ path: join(workDir, `micro-audit-${Date.now()}.db`) });
  try {
    return await warmedAppendRate(store, durationMs, 1);
  } finally {
    await store.close();
  }
}

const SLICES = 3;

/**
 * The SQLite store exactly as the bot runs it: on its own thread, where writes that queue up while an fsync
 * runs share the next commit (group commit), with `concurrency` appenders in flight, as confirmations are.
 * After a warm-up, three equal slices of `durationMs`; the rate is their median.
 */
export async function benchThreadedSqliteAppends(
  workDir: string,
  durationMs: number,
  concurrency: number,
): Promise<AppendRate & { perSlice: number[] }> {
  const store = await openThreadedSqliteAuditStore({
    path: join(workDir, `micro-audit-thread-${Date.now()}.db`),
    logger: createLogger({ level: 'silent' }),
  });
  try {
    await appendFor(store, Math.min(200, durationMs / 4), concurrency);
    const slices: AppendRate[] = [];
    for (let i = 0; i < SLICES; i++) slices.push(await appendFor(store, durationMs / SLICES, concurrency));
    const perSlice = slices.map((slice) => Math.round(slice.appendsPerSec));
    return {
      appendsPerSec: median(perSlice),
      appends: slices.reduce((sum, slice) => sum + slice.appends, 0),
      concurrency,
      perSlice,
    };
  } finally {
    await store.close();
  }
}

/**
 * What durability costs on this disk: one-row insert transactions on a bare WAL table under each
 * `synchronous` setting (FULL is what the store uses; NORMAL can lose the last commits on power loss).
 */
export function benchSqliteSyncModes(workDir: string, durationMs: number): Record<string, number> {
  const rates: Record<string, number> = {};
  for (const mode of ['FULL', 'NORMAL', 'OFF']) {
    const db = new Database(join(workDir, `sync-${mode}-${Date.now()}.db`));
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${mode}`);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (payload) VALUES (?)');
    const payload = 'x'.repeat(900);
    const started = performance.now();
    let count = 0;
    while (performance.now() - started < durationMs) {
      insert.run(payload);
      count++;
    }
    rates[mode] = (count / (performance.now() - started)) * 1000;
    db.close();
  }
  return rates;
}

export interface PostgresAppendResult {
  reachable: boolean;
  note: string;
  sequential: AppendRate | null;
  concurrent: AppendRate | null;
}

/** The PostgreSQL store on a scratch database (created and dropped here), when one is reachable. */
export async function benchPostgresAppends(durationMs: number): Promise<PostgresAppendResult> {
  const adminUrl = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch (error) {
    await admin.end().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    return {
      reachable: false,
      note: `PostgreSQL unreachable: ${reason}`,
      sequential: null,
      concurrent: null,
    };
  }
  const name = `cancel_stockin_bench_${randomBytes(5).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const store = await openPostgresAuditStore({ connectionString: url.toString() });
    try {
      const sequential = await warmedAppendRate(store, durationMs, 1);
      const concurrent = await appendFor(store, durationMs, 8);
      const fsync = await admin.query<{ fsync: string; synchronous_commit: string }>(
        "SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit",
      );
      const settings = fsync.rows[0];
      return {
        reachable: true,
        note: `scratch database ${name}; server fsync=${settings?.fsync}, synchronous_commit=${settings?.synchronous_commit}`,
        sequential,
        concurrent,
      };
    } finally {
      await store.close();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}
