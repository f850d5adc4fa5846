import type { AttemptRecord, ChainHead } from '../core/ports/audit.js';
import type { ClaimedDelivery, OutboxItem, OutboxRow, OutboxState } from '../core/ports/outbox.js';
import { owedAsKept } from './plan-outbox.js';

/**
 * An owed message as both backends keep it in the `outbox` table (migration 5): the columns that say what
 * it is, the same on SQLite and PostgreSQL but for the types each driver gives back (a BIGINT id as a string,
 * times as Dates, booleans as 0/1), which the readers below take either way.
 */
export interface ItemColumns {
  key: string;
  slot: string;
  mode: OutboxItem['mode'];
  channel_id: string | null;
  thread_ts: string | null;
  /** JSON text: the attempt ids. */
  attempt_ids: string;
  /** JSON text: the body as kept (not hashed: plain JSON). */
  body: string;
  with_chain_head: boolean | number;
}

/** A stored row as a claim, a settlement or a listing reads it. */
export interface StoredOutboxRow extends ItemColumns {
  id: number | string;
  state: OutboxState;
  tries: number;
  last_error: string | null;
  delivered_ts: string | null;
}

/**
 * The rows a write keeps for the messages it owes, in the order owed: final ones carry the chain's head as
 * this write left it, and a key owed twice in one write is kept once (the first), as the table keeps a key
 * already there.
 */
export function owedColumns(
  items: readonly OutboxItem[],
  head: ChainHead | null,
  written: readonly AttemptRecord[] = [],
): ItemColumns[] {
  const seen = new Set<string>();
  const kept: ItemColumns[] = [];
  for (const item of owedAsKept(items, head, written)) {
    if (seen.has(item.key)) continue;
    seen.add(item.key);
    kept.push({
      key: item.key,
      slot: item.slot,
      mode: item.mode,
      channel_id: item.channelId,
      thread_ts: item.threadTs ?? null,
      attempt_ids: JSON.stringify(item.attemptIds),
      body: JSON.stringify(item.body),
      with_chain_head: item.withChainHead === true,
    });
  }
  return kept;
}

/** The message a row holds, as owed (optional fields absent when unset, as after a JSON round trip). */
function itemOf(row: ItemColumns): OutboxItem {
  return {
    key: row.key,
    slot: row.slot,
    mode: row.mode,
    channelId: row.channel_id,
    ...(row.thread_ts !== null ? { threadTs: row.thread_ts } : {}),
    attemptIds: JSON.parse(row.attempt_ids),
    body: JSON.parse(row.body),
    ...(row.with_chain_head ? { withChainHead: true as const } : {}),
  };
}

/** A claimed row as the claimer gets it: `tries` as they were before this claim. */
export function claimedOf(
  row: StoredOutboxRow,
  times: { owedAt: string; claimedBy: string; claimedUntil: string },
  slotMessage: { channel: string | null; ts: string | null } | undefined,
): ClaimedDelivery {
  return {
    id: Number(row.id),
    item: itemOf(row),
    tries: row.tries - 1,
    slotMessage: slotMessage?.ts ? { channelId: slotMessage.channel!, ts: slotMessage.ts } : null,
    ...times,
  };
}

export function outboxRowOf(row: StoredOutboxRow, owedAt: string): OutboxRow {
  return {
    id: Number(row.id),
    item: itemOf(row),
    state: row.state,
    tries: row.tries,
    owedAt,
    lastError: row.last_error,
    deliveredTs: row.delivered_ts,
  };
}
