import type { Logger } from 'pino';
import type { AuditEntry, AuditStore } from '../core/ports/audit.js';
import { controlAsEntry } from './entry-row.js';
import { isPostgresUrl, openAuditStore } from './open-store.js';
import type { SharedClock } from './sqlite/shared-clock.js';
import {
  AuditStoreUnusableError,
  describeStoreError,
  isPermanentStoreError,
  storeTarget,
} from './store-failure.js';

export const REOPEN_EVERY_MS = 2_000;
/**
 * Start-up waits for the store until this long after the process started (and at least a moment), then goes
 * on and says so at `error` while the opening continues: an operator hears of a dead database within 3 s.
 */
export const FIRST_OPEN_DEADLINE_MS = 2_000;
const FIRST_OPEN_MIN_WAIT_MS = 250;

/** The store plus what `/readyz` says of it while it is not open. */
export interface AuditStoreWhenReady extends AuditStore {
  /** Null once open; otherwise why not (`unavailable: ECONNREFUSED`, `opening`). */
  unavailableReason(): string | null;
}

/**
 * The audit store, opened now if it can be and otherwise as soon as it can: a bot whose database is down
 * (PostgreSQL restarting or unreachable, a path that cannot be created yet) still starts, logs at `error`
 * which variable and why, answers `/readyz` with 503, and tells people it cannot record — rather than
 * crash-looping or, worse, cancelling without a record. A store that can never open as configured (a folder
 * where the file should be, a file that is not an SQLite database) rejects with AuditStoreUnusableError
 * instead: the caller exits. Start-up never waits more than `firstOpenWaitMs` for the store.
 * `onCommitted` hears of every entry once the store has made it durable.
 */
export async function openAuditStoreWhenReady(options: {
  databaseUrl: string | undefined;
  sqlitePath: string;
  logger: Logger;
  reopenEveryMs?: number;
  firstOpenWaitMs?: number;
  onCommitted?: (entry: AuditEntry) => void;
  /** SQLite's clock, when a test sets it. */
  sqliteClock?: SharedClock;
}): Promise<AuditStoreWhenReady> {
  const { logger, onCommitted = () => {} } = options;
  const target = storeTarget(options.databaseUrl, options.sqlitePath);
  const committed = (entry: AuditEntry) => {
    try {
      onCommitted(entry);
    } catch (error) {
      // The entry is durable whatever the listener does: its caller must not take the write for failed.
      logger.error({ err: error, seq: entry.seq }, 'onCommitted listener failed');
    }
    return entry;
  };
  let inner: AuditStore | null = null;
  let opening: Promise<AuditStore> | null = null;
  let lastFailure: string | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let starting = true;

  // The SQLite thread can stop on its own (an uncaught error, its memory limit). The file is intact: SQLite
  // rolls back what was not committed. A new thread on it replaces the lost one at the next call, rather
  // than leaving a live bot that refuses every cancel until someone restarts it.
  const onThreadLost = (error: Error) => {
    logger.error({ err: error }, 'the audit store thread stopped; a new one opens at the next call');
    inner = null;
  };

  const retryInBackground = () => {
    if (timer || closed) return;
    timer = setInterval(() => open().catch(() => undefined), options.reopenEveryMs ?? REOPEN_EVERY_MS);
    timer.unref();
  };

  const open = (): Promise<AuditStore> => {
    if (inner) return Promise.resolve(inner);
    opening ??= openAuditStore({ ...options, sqliteOnThread: true, onThreadLost })
      .then(
        (store) => {
          if (closed) return store.close().then(() => Promise.reject(new Error('audit store closed')));
          inner = store;
          lastFailure = null;
          clearInterval(timer);
          timer = undefined;
          logger.info({ backend: store.backend }, 'audit store is available');
          return store;
        },
        (error: unknown) => {
          // At start-up a store that can never open is the caller's to report (it exits): no "retrying".
          if (starting && isPermanentStoreError(error)) throw error;
          const cause = describeStoreError(error);
          if (cause !== lastFailure) {
            logger.error(
              { variable: target.variable, where: target.where, cause },
              `the audit store cannot be opened (${target.variable}: ${cause}): the bot answers /readyz 503 and refuses cancels until it can; retrying`,
            );
          }
          lastFailure = cause;
          retryInBackground();
          throw error;
        },
      )
      .finally(() => {
        opening = null;
      });
    return opening;
  };

  // A SQLite file is local: its first open is waited for (its thread's own open timeout bounds it), so that a
  // file that can never be used stops the start. A database server gets until the deadline.
  const waitMs = !isPostgresUrl(options.databaseUrl)
    ? Number.POSITIVE_INFINITY
    : (options.firstOpenWaitMs ??
      Math.max(FIRST_OPEN_MIN_WAIT_MS, FIRST_OPEN_DEADLINE_MS - process.uptime() * 1000));
  const first = open().then(
    () => 'open' as const,
    (error: unknown) => error,
  );
  let waited: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    first,
    new Promise<'waiting'>((resolve) => {
      if (Number.isFinite(waitMs)) waited = setTimeout(() => resolve('waiting'), waitMs);
    }),
  ]);
  clearTimeout(waited);
  starting = false;
  if (outcome === 'waiting') {
    lastFailure ??= 'not answering';
    logger.error(
      { variable: target.variable, where: target.where, cause: 'not answering' },
      `the audit store did not open within ${Math.round(waitMs)} ms (${target.variable}): starting anyway; /readyz answers 503 until it opens`,
    );
  } else if (outcome !== 'open' && isPermanentStoreError(outcome)) {
    clearInterval(timer);
    throw new AuditStoreUnusableError(target, outcome);
  }

  const use = async <T>(work: (store: AuditStore) => Promise<T>): Promise<T> => work(await open());

  return {
    unavailableReason: () =>
      inner ? null : lastFailure === null ? 'opening' : `unavailable: ${lastFailure}`,
    backend: isPostgresUrl(options.databaseUrl) ? 'postgres' : 'sqlite',
    async write(transitions, at, owed) {
      const result = await use((s) => s.write(transitions, at, owed));
      if (result.ok) for (const entry of result.entries) committed(entry);
      return result;
    },
    async annotate(attemptId, note, at) {
      const entry = await use((s) => s.annotate(attemptId, note, at));
      if (entry) committed(entry);
      return entry;
    },
    fence: (request) => use((s) => s.fence(request)),
    async recordControl(record, at, owed) {
      const change = await use((s) => s.recordControl(record, at, owed));
      if (change.changed) committed(controlAsEntry(change.entry));
      return change;
    },
    controlState: () => use((s) => s.controlState()),
    findAttempt: (attemptId) => use((s) => s.findAttempt(attemptId)),
    batchAttempts: (batchId) => use((s) => s.batchAttempts(batchId)),
    heldCalls: () => use((s) => s.heldCalls()),
    idleAttempts: (filter) => use((s) => s.idleAttempts(filter)),
    orderHistory: (orderNo) => use((s) => s.orderHistory(orderNo)),
    recentAttempts: (filter) => use((s) => s.recentAttempts(filter)),
    async *entries(range) {
      yield* (await open()).entries(range);
    },
    verifyChain: () => use((s) => s.verifyChain()),
    heldLocks: () => use((s) => s.heldLocks()),
    renewLease: (instanceId, ttlMs) => use((s) => s.renewLease(instanceId, ttlMs)),
    dropLease: (instanceId) => use((s) => s.dropLease(instanceId)),
    leases: () => use((s) => s.leases()),
    claimDeliveries: (claim) => use((s) => s.claimDeliveries(claim)),
    confirmClaim: (id, by, leaseMs) => use((s) => s.confirmClaim(id, by, leaseMs)),
    settleDelivery: async (id, by, outcome) => {
      const entries = await use((s) => s.settleDelivery(id, by, outcome));
      for (const entry of entries ?? []) committed(entry);
      return entries;
    },
    outboxSummary: () => use((s) => s.outboxSummary()),
    outboxRows: (filter) => use((s) => s.outboxRows(filter)),
    head: () => use((s) => s.head()),
    ping: () => use((s) => s.ping()),
    async close() {
      closed = true;
      clearInterval(timer);
      await inner?.close();
    },
  };
}
