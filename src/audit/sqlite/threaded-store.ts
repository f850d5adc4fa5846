import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Logger } from 'pino';
import type { AuditEntry, AuditStore } from '../../core/ports/audit.js';
import { boundThreadMemory } from '../../memory-flags.js';
import { startModuleWorker } from '../../module-worker.js';
import type { SharedClock } from './shared-clock.js';
import {
  ENTRIES_PAGE_SIZE,
  type ThreadInit,
  type ThreadMethod,
  type ThreadRequest,
  type ThreadResponse,
} from './thread-protocol.js';

/** Opening (and migrating) a local file: a thread that has not answered by then is stuck, not slow. */
const OPEN_TIMEOUT_MS = 5_000;

/**
 * The SQLite audit store behind a worker thread, with the same contract as `openSqliteAuditStore`. Opening
 * resolves once the database is open and migrated (or rejects with why it could not be).
 */
export async function openThreadedSqliteAuditStore(options: {
  path: string;
  logger: Logger;
  /** Hears, once, that the thread stopped on its own after the store opened: every call fails from then on. */
  onLost?: (error: Error) => void;
  openTimeoutMs?: number;
  /** The store's clock when a test or the simulation sets it (see `openSqliteAuditStore`'s `now`). */
  clock?: SharedClock;
}): Promise<AuditStore> {
  const init: ThreadInit = {
    path: options.path,
    logLevel: options.logger.level,
    ...(options.clock ? { clock: options.clock.buffer, clockKind: options.clock.kind } : {}),
  };
  const restoreThreadFlags = boundThreadMemory();
  const worker = startModuleWorker(import.meta.url, 'thread-worker', { workerData: init });
  worker.once('online', restoreThreadFlags);
  worker.once('exit', restoreThreadFlags);
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let failure: Error | null = null;
  let opened = false;
  let closing = false;

  worker.on('message', (response: ThreadResponse) => {
    const waiter = pending.get(response.id);
    if (!waiter) return;
    pending.delete(response.id);
    if (response.ok) waiter.resolve(response.value);
    else waiter.reject(Object.assign(new Error(response.error.message), { name: response.error.name }));
  });
  const failAll = (error: Error) => {
    const lost = opened && !closing && failure === null;
    failure ??= error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
    if (lost) options.onLost?.(error);
  };
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`audit store thread exited (${code})`)));

  const call = <T>(method: ThreadMethod, ...args: unknown[]): Promise<T> => {
    if (failure) return Promise.reject(failure);
    const id = ++nextId;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, method, args } satisfies ThreadRequest);
    });
  };

  // The first call proves the database opened; an open error surfaces as the thread's 'error' event. A
  // thread that neither answers nor fails in time is stopped, so a later attempt starts afresh.
  let openTimer: NodeJS.Timeout | undefined;
  const openLimitMs = options.openTimeoutMs ?? OPEN_TIMEOUT_MS;
  const stuck = new Promise<never>((_resolve, reject) => {
    openTimer = setTimeout(() => {
      reject(new Error(`the SQLite thread did not open ${options.path} within ${openLimitMs} ms`));
      void worker.terminate();
    }, openLimitMs);
  });
  try {
    await Promise.race([call('ping'), once(worker, 'error').then(([error]) => Promise.reject(error)), stuck]);
  } finally {
    clearTimeout(openTimer);
  }
  opened = true;

  return {
    backend: 'sqlite',
    write: (transitions, at, owed) => call('write', transitions, at, owed),
    annotate: (attemptId, note, at) => call('annotate', attemptId, note, at),
    fence: (request) => call('fence', request),
    recordControl: (record, at, owed) => call('recordControl', record, at, owed),
    controlState: () => call('controlState'),
    findAttempt: (attemptId) => call('findAttempt', attemptId),
    batchAttempts: (batchId) => call('batchAttempts', batchId),
    heldCalls: () => call('heldCalls'),
    idleAttempts: (filter) => call('idleAttempts', filter),
    orderHistory: (orderNo) => call('orderHistory', orderNo),
    recentAttempts: (filter) => call('recentAttempts', filter),
    async *entries(range) {
      const cursor = randomUUID();
      for (;;) {
        const page = await call<AuditEntry[]>('entriesPage', cursor, range);
        yield* page;
        if (page.length < ENTRIES_PAGE_SIZE) return;
      }
    },
    verifyChain: () => call('verifyChain'),
    heldLocks: () => call('heldLocks'),
    renewLease: (instanceId, ttlMs) => call('renewLease', instanceId, ttlMs),
    dropLease: (instanceId) => call('dropLease', instanceId),
    leases: () => call('leases'),
    claimDeliveries: (claim) => call('claimDeliveries', claim),
    confirmClaim: (id, by, leaseMs) => call('confirmClaim', id, by, leaseMs),
    settleDelivery: (id, by, outcome) => call('settleDelivery', id, by, outcome),
    outboxSummary: () => call('outboxSummary'),
    outboxRows: (filter) => call('outboxRows', filter),
    head: () => call('head'),
    ping: () => call('ping'),
    async close() {
      if (failure) return;
      closing = true;
      const exited = once(worker, 'exit');
      await call('close');
      failure = new Error('audit store is closed');
      await exited;
    },
  };
}
