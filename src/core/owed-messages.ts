import { FINAL_STATES } from './attempt.js';
import type { AttemptRecord, ControlRecord } from './ports/audit.js';
import type { OutboxItem } from './ports/outbox.js';

/**
 * The messages a change of an attempt owes, written with it in one transaction. Each is keyed by the attempt
 * and the state that owes it, so a retried write owes it once; each belongs to a slot whose later messages
 * replace its undelivered earlier ones.
 *
 * - `outcome`: the attempt's own post in its channel (a single order, or a follow-up from a reconciler or an
 *   unlock), and, once final, a copy in the audit channel.
 * - the batch's one message (an order of a batch of several, or a request waiting for approval): edited in
 *   place as its orders move, and copied to the audit channel once every order is final.
 * - the Workflow Builder step the attempt came from: completed once every order of its batch is final.
 */
export interface Owing {
  /** The attempt's own post: a single order's outcome, a follow-up, a correction. */
  outcome: boolean;
  /** The batch's message (default: owed). A refused confirmation is told in its dialog, not in the channel. */
  batch?: boolean;
}

export function owedFor(record: AttemptRecord, options: Owing): OutboxItem[] {
  const items: OutboxItem[] = [];
  const tag = `${record.attemptId}:${record.state}`;
  const thread = record.threadTs ? { threadTs: record.threadTs } : {};
  const final = FINAL_STATES.includes(record.state);
  if (options.outcome) {
    const body = { kind: 'outcome', record } as const;
    items.push({
      key: `outcome:${tag}`,
      slot: `outcome:${record.attemptId}`,
      mode: 'post',
      channelId: record.channelId,
      ...thread,
      attemptIds: [record.attemptId],
      body,
      ...(final ? { withChainHead: true as const } : {}),
    });
    if (final) {
      items.push({
        key: `audit-outcome:${tag}`,
        slot: `audit-outcome:${record.attemptId}`,
        mode: 'post',
        channelId: null,
        attemptIds: [],
        body,
        withChainHead: true,
      });
    }
  }
  if (!isSingle(record) && options.batch !== false) {
    const body = { kind: 'batch', batchId: record.batchId } as const;
    items.push({
      key: `batch:${record.batchId}:${tag}`,
      slot: `batch:${record.batchId}`,
      mode: 'edit',
      channelId: record.channelId,
      ...thread,
      attemptIds: [],
      body,
    });
    if (final) {
      items.push({
        key: `audit-batch:${record.batchId}:${tag}`,
        slot: `audit-batch:${record.batchId}`,
        mode: 'post',
        channelId: null,
        attemptIds: [],
        body,
      });
    }
  }
  if (record.functionExecutionId) {
    items.push({
      key: `step:${record.functionExecutionId}:${tag}`,
      slot: `step:${record.functionExecutionId}`,
      mode: 'call',
      channelId: record.channelId,
      attemptIds: [],
      body: { kind: 'step', functionExecutionId: record.functionExecutionId, batchId: record.batchId },
    });
  }
  return items;
}

/** The messages several changes owe, each once (a batch's message is owed by each of its orders' changes). */
export function owedForAll(records: readonly AttemptRecord[], options: Owing): OutboxItem[] {
  const byKey = new Map<string, OutboxItem>();
  for (const record of records) for (const item of owedFor(record, options)) byKey.set(item.key, item);
  return [...byKey.values()];
}

/**
 * Whether an attempt's own changes are told by its own post, or by its batch's one message: a batch of
 * several orders, or any request waiting for approval (its approval request is that message, and its
 * outcome is written into it).
 */
export function isSingle(record: AttemptRecord): boolean {
  return (record.batchSize ?? 1) <= 1 && record.approvalRequested !== true;
}

/** A pause or resume, announced in the audit channel. */
export function owedForControl(record: ControlRecord, at: Date): OutboxItem {
  return {
    key: `control:${record.attemptId}`,
    slot: `control:${record.attemptId}`,
    mode: 'post',
    channelId: null,
    attemptIds: [],
    body: {
      kind: 'control',
      event: record.state,
      by: record.requesterId,
      at: at.toISOString(),
      reason: record.reason,
      channelId: record.channelId,
    },
  };
}
