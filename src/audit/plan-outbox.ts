import type { Annotation, AttemptRecord, ChainHead } from '../core/ports/audit.js';
import type { DeliveryOutcome, OutboxItem } from '../core/ports/outbox.js';

/**
 * The outbox's rules, whatever the backend: what a write keeps of the messages it owes, which pending
 * messages a claim takes and which it supersedes, and what a settlement writes. Each backend reads, asks
 * here, and applies, inside one transaction.
 */

/**
 * The messages a write owes, as kept: an outcome carries its record as the write stored it (with what the
 * store adds, such as `verdictAfter`), and final ones carry the chain's head as this write left it.
 */
export function owedAsKept(
  items: readonly OutboxItem[],
  head: ChainHead | null,
  written: readonly AttemptRecord[] = [],
): OutboxItem[] {
  const stored = new Map(written.map((record) => [`${record.attemptId}:${record.state}`, record]));
  return items.map((item) => {
    if (item.body.kind !== 'outcome') return item;
    const record = stored.get(`${item.body.record.attemptId}:${item.body.record.state}`) ?? item.body.record;
    return {
      ...item,
      body: { ...item.body, record, ...(item.withChainHead ? { chainHead: head } : {}) },
    };
  });
}

/** A pending message as a claim sees it. */
export interface PendingRow {
  id: number;
  slot: string;
  /** Database time, ms: not to be tried before. */
  nextTryAt: number;
  claimedBy: string | null;
  /** Database time, ms. */
  claimedUntil: number | null;
}

/**
 * Of each slot, only the newest pending message is worth delivering: the older pending ones are superseded.
 * A slot whose message is being delivered (a live claim) is left alone, so that its messages never overtake
 * each other. Of the rest, the newest message of each slot that is due is claimed, oldest slot first.
 */
export function planClaim(
  pending: readonly PendingRow[],
  dbNow: number,
  limit: number,
): { supersede: number[]; claim: number[] } {
  const bySlot = new Map<string, PendingRow[]>();
  for (const row of [...pending].sort((a, b) => a.id - b.id)) {
    bySlot.set(row.slot, [...(bySlot.get(row.slot) ?? []), row]);
  }
  const supersede: number[] = [];
  const due: PendingRow[] = [];
  for (const rows of bySlot.values()) {
    if (rows.some((row) => row.claimedBy !== null && (row.claimedUntil ?? 0) > dbNow)) continue;
    const newest = rows.at(-1)!;
    supersede.push(...rows.slice(0, -1).map((row) => row.id));
    if (newest.nextTryAt <= dbNow) due.push(newest);
  }
  const claim = due
    .sort((a, b) => a.id - b.id)
    .slice(0, Math.max(0, limit))
    .map((row) => row.id);
  return { supersede, claim };
}

/** The attempts a settled delivery leaves a `notified` entry on. */
export function notifiedAttempts(
  outcome: DeliveryOutcome,
  itemAttemptIds: readonly string[],
): readonly string[] {
  if (outcome.kind !== 'delivered') return [];
  return outcome.notify ?? itemAttemptIds;
}

/** The `notified` annotation a delivered message leaves on each of its attempts. */
export function deliveredNote(outcome: Extract<DeliveryOutcome, { kind: 'delivered' }>): Annotation {
  return { slackChannelId: outcome.channelId, slackTs: outcome.ts, notifiedVia: outcome.via };
}

/** What a settlement makes of the row. */
export function settledRow(
  outcome: DeliveryOutcome,
  dbNow: number,
): {
  state: 'delivered' | 'pending' | 'given_up';
  nextTryAt: number | null;
  lastError: string | null;
  deliveredChannel: string | null;
  deliveredTs: string | null;
} {
  switch (outcome.kind) {
    case 'delivered':
      return {
        state: 'delivered',
        nextTryAt: null,
        lastError: null,
        deliveredChannel: outcome.channelId,
        deliveredTs: outcome.ts,
      };
    case 'retry':
      return {
        state: 'pending',
        nextTryAt: dbNow + Math.max(0, outcome.retryInMs),
        lastError: outcome.error.slice(0, 300),
        deliveredChannel: null,
        deliveredTs: null,
      };
    case 'given_up':
      return {
        state: 'given_up',
        nextTryAt: null,
        lastError: outcome.reason.slice(0, 300),
        deliveredChannel: null,
        deliveredTs: null,
      };
  }
}
