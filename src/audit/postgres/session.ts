import type { Pool, PoolClient } from 'pg';

export interface WriteTimeouts {
  /** How long a write waits for the chain's lock (or any row lock) before it fails. */
  lockTimeoutMs?: number;
  /** How long one statement may run before the server cancels it. */
  statementTimeoutMs?: number;
  /** How long the server lets one of our transactions sit idle before it ends the session. */
  idleInTransactionTimeoutMs?: number;
}

/**
 * pg waits for a connection forever by default, and a database host that stops answering (no RST, packets
 * dropped) holds every write for the OS's TCP timeout. Failing the write instead is the designed path: nothing
 * is cancelled without a record, and a call whose outcome could not be written is reconciled later.
 */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Every write takes one lock that serialises the whole chain, so one stuck session (a psql left inside a
 * transaction, a replica frozen mid-write) would otherwise stop every cancel everywhere, silently. These are
 * the server's own timeouts: a write they stop is rolled back, so "failed" always means nothing was kept.
 * Migrations run without them. The idle limit ends the session of a writer that stalls while
 * holding the lock, which releases it for everyone else.
 */
const LOCK_TIMEOUT_MS = 5_000;
const STATEMENT_TIMEOUT_MS = 15_000;
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000;

/**
 * The server's timeouts need a server. A host that vanishes mid-query (a failover moving the address) leaves the
 * query waiting for TCP to give up (minutes; README), holding one of the pool's few connections. Past this, our side
 * drops the connection. It is longer than the statement timeout, so a live server always answers first. An
 * answer lost after COMMIT was sent makes a write that did happen look failed; that is safe: before a WDT call
 * the cancel is refused (a `calling` entry left behind is settled by the reconciler from WDT's own record),
 * after it the outcome write is retried and then reconciled.
 */
export const QUERY_TIMEOUT_MS = 20_000;

/**
 * A write's BEGIN, with the write timeouts for that transaction only, in the same round trip. Set per
 * transaction rather than as connection parameters, which PgBouncer refuses unless told to ignore them.
 */
export function beginWrite(options: WriteTimeouts): string {
  const ms = (value: number) => Math.max(0, Math.trunc(value));
  return [
    'BEGIN',
    `SET LOCAL lock_timeout = ${ms(options.lockTimeoutMs ?? LOCK_TIMEOUT_MS)}`,
    `SET LOCAL statement_timeout = ${ms(options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS)}`,
    `SET LOCAL idle_in_transaction_session_timeout = ${ms(options.idleInTransactionTimeoutMs ?? IDLE_IN_TRANSACTION_TIMEOUT_MS)}`,
  ].join('; ');
}

/**
 * The database's time, as SQL: read once per transaction, after the chain's lock (`now()` would be when the
 * transaction began, before any wait for the lock), and to the millisecond, so that what is stamped back is
 * exactly what was read.
 */
export const DB_NOW = "date_trunc('milliseconds', clock_timestamp())";

export async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // The server may end the session while we hold the client (the idle-in-transaction limit, a restart, an
  // operator's pg_terminate_backend): pg then emits 'error' on it, and unheard that would crash the process.
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (isReadTimeout(error)) {
      // A ROLLBACK would only queue behind the query that never answered; the server rolls back on its own
      // when the connection dies.
      broken = error;
      throw error;
    }
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      // The connection is unusable; destroy it instead of returning it to the pool.
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** pg's own error when `query_timeout` passes without an answer. */
function isReadTimeout(error: unknown): error is Error {
  return error instanceof Error && error.message === 'Query read timeout';
}
