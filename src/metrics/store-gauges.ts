import { withDeadline } from '../core/deadline.js';
import type { OutboxSummary } from '../core/ports/outbox.js';

/** What the store-backed gauges read; each call may be a database query. */
export interface StoreProbe {
  /** Resolves when the audit store can write. */
  ping(): Promise<void>;
  /** Attempts in `calling` for longer than the longest a call can take. */
  stuckCalls(): Promise<number>;
  /** Approval requests (batches) waiting for a second person. */
  pendingApprovals(): Promise<number>;
  /** Messages owed to Slack and not delivered yet, and those given up. */
  outbox(): Promise<OutboxSummary>;
}

export interface StoreSnapshot {
  storeUp: 0 | 1;
  stuckCalls: number;
  pendingApprovals: number;
  outboxPending: number;
  /** The oldest pending message's age; 0 when none waits. */
  outboxOldestPendingSeconds: number;
  outboxGivenUp: number;
}

export const EMPTY_SNAPSHOT: StoreSnapshot = {
  storeUp: 0,
  stuckCalls: 0,
  pendingApprovals: 0,
  outboxPending: 0,
  outboxOldestPendingSeconds: 0,
  outboxGivenUp: 0,
};

export interface StoreGaugeOptions {
  /** A snapshot younger than this is served as it is: a scrape storm costs no queries. */
  maxAgeMs: number;
  /** The longest a scrape waits for fresh values before it answers with the last ones. */
  waitMs: number;
  now?: () => number;
}

/**
 * The gauges that need the store, read at scrape time but never more often than `maxAgeMs`, by one reading at
 * a time, and never waited on for more than `waitMs`: a slow or hung database leaves the scrape answering with
 * the last values and `audit_store_up` 0, never hanging it.
 */
export function storeGauges(probe: StoreProbe, options: StoreGaugeOptions): () => Promise<StoreSnapshot> {
  const now = options.now ?? (() => performance.now());
  let last: StoreSnapshot = EMPTY_SNAPSHOT;
  let readAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<StoreSnapshot> | null = null;

  const read = async (): Promise<StoreSnapshot> => {
    try {
      await probe.ping();
    } catch {
      return { ...last, storeUp: 0 };
    }
    const [stuckCalls, pendingApprovals, outbox] = await Promise.all([
      probe.stuckCalls(),
      probe.pendingApprovals(),
      probe.outbox(),
    ]);
    return {
      storeUp: 1,
      stuckCalls,
      pendingApprovals,
      outboxPending: outbox.pending,
      outboxOldestPendingSeconds: (outbox.oldestPendingMs ?? 0) / 1000,
      outboxGivenUp: outbox.givenUp,
    };
  };

  return async () => {
    if (now() - readAt < options.maxAgeMs) return last;
    reading ??= read()
      .catch(() => ({ ...last, storeUp: 0 as const }))
      .then((snapshot) => {
        last = snapshot;
        readAt = now();
        return snapshot;
      })
      .finally(() => {
        reading = null;
      });
    return withDeadline(reading, options.waitMs, () => ({ ...last, storeUp: 0 as const }));
  };
}
