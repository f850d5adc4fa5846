import type { Logger } from 'pino';
import type { AuditEntry, AuditStore } from '../core/ports/audit.js';
import { isPostgresUrl, openAuditStore } from './open-store.js';

export const REOPEN_EVERY_MS = 2_000;

/**
 * The audit store, opened now if it can be and otherwise as soon as it can: a bot whose database is down
 * (PostgreSQL restarting, an unwritable path) still starts, answers `/readyz` with 503, and tells people it
 * cannot record — rather than crash-looping or, worse, cancelling without a record. `onCommitted` hears of
 * every entry once the store has made it durable.
 */
export async function openAuditStoreWhenReady(options: {
  databaseUrl: string | undefined;
  sqlitePath: string;
  logger: Logger;
  reopenEveryMs?: number;
  onCommitted?: (entry: AuditEntry) => void;
}): Promise<AuditStore> {
  const { logger, onCommitted = () => {} } = options;
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
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  // The SQLite thread can stop on its own (an uncaught error, its memory limit). The file is intact: SQLite
  // rolls back what was not committed. A new thread on it replaces the lost one at the next call, rather
  // than leaving a live bot that refuses every cancel until someone restarts it.
  const onThreadLost = (error: Error) => {
    logger.error({ err: error }, 'the audit store thread stopped; a new one opens at the next call');
    inner = null;
  };

  const open = (): Promise<AuditStore> => {
    if (inner) return Promise.resolve(inner);
    opening ??= openAuditStore({ ...options, sqliteOnThread: true, onThreadLost })
      .then((store) => {
        if (closed) return store.close().then(() => Promise.reject(new Error('audit store closed')));
        inner = store;
        clearInterval(timer);
        logger.info({ backend: store.backend }, 'audit store is available');
        return store;
      })
      .finally(() => {
        opening = null;
      });
    return opening;
  };

  try {
    await open();
  } catch (error) {
    logger.error(
      { err: error },
      'the audit store cannot be opened: the bot answers /readyz 503 and refuses cancels until it can',
    );
    timer = setInterval(() => open().catch(() => undefined), options.reopenEveryMs ?? REOPEN_EVERY_MS);
    timer.unref();
  }

  const use = async <T>(work: (store: AuditStore) => Promise<T>): Promise<T> => work(await open());

  return {
    backend: isPostgresUrl(options.databaseUrl) ? 'postgres' : 'sqlite',
    append: (event, record, at) => use((s) => s.append(event, record, at)).then(committed),
    claimOnce: (key, at) => use((s) => s.claimOnce(key, at)),
    async beginCall(record, at) {
      const result = await use((s) => s.beginCall(record, at));
      if (result.ok) committed(result.entry);
      return result;
    },
    async confirmAndBeginCall(claimKey, confirmed, calling, at) {
      const result = await use((s) => s.confirmAndBeginCall(claimKey, confirmed, calling, at));
      if (result.kind !== 'already_claimed') committed(result.confirmed);
      if (result.kind === 'begun') committed(result.calling);
      return result;
    },
    finishCall: (event, record, at) => use((s) => s.finishCall(event, record, at)).then(committed),
    findAttempt: (attemptId) => use((s) => s.findAttempt(attemptId)),
    findStuckCalling: () => use((s) => s.findStuckCalling()),
    orderHistory: (orderNo) => use((s) => s.orderHistory(orderNo)),
    recentAttempts: (filter) => use((s) => s.recentAttempts(filter)),
    async *entries(range) {
      yield* (await open()).entries(range);
    },
    verifyChain: () => use((s) => s.verifyChain()),
    head: () => use((s) => s.head()),
    ping: () => use((s) => s.ping()),
    async close() {
      closed = true;
      clearInterval(timer);
      await inner?.close();
    },
  };
}
