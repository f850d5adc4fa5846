import type { OutboxItem } from '../../core/ports/outbox.js';
import type { SlackApiPoster } from '../api-poster.js';
import { classifySlackFailure, type SlackFailure } from './slack-failure.js';

/** The `event_type` of the metadata every outbox post carries: how the bot finds its own posts again. */
export const OUTBOX_EVENT_TYPE = 'cancel_stockin_outbox';

/** Messages of the window looked at, at most (pages of conversations.history or conversations.replies). */
const PAGE_SIZE = 200;
const MAX_PAGES = 5;

/** Slack message metadata naming the owed message (`key`) and the slot it belongs to. */
export function outboxMetadata(item: Pick<OutboxItem, 'key' | 'slot'>) {
  return { event_type: OUTBOX_EVENT_TYPE, event_payload: { key: item.key, slot: item.slot } };
}

type Lookup =
  | { kind: 'found'; ts: string }
  | { kind: 'not_found' }
  /** Slack would not say (no history scope, not a member, more messages than are read): post anyway. */
  | { kind: 'cannot_tell'; why: string }
  /** Slack is limiting or failing: try again later, and post nothing meanwhile. */
  | { kind: 'failed'; failure: SlackFailure };

interface ListedMessage {
  ts?: unknown;
  metadata?: { event_type?: unknown; event_payload?: Record<string, unknown> };
}

/**
 * Looks for an earlier post of an owed message in its channel (or its thread), by the key (or, for a message
 * rewritten in place, the slot) in its metadata, among the messages since `since`. Used before posting
 * again anything that an earlier try may have posted: a try whose answer was lost, or a process that died.
 * When several are found, the oldest is the one people saw first.
 */
export async function findPosted(
  api: SlackApiPoster,
  where: { channelId: string; threadTs?: string | undefined; since: Date },
  match: { key: string } | { slot: string },
  timeoutMs: number,
): Promise<Lookup> {
  const [field, value] = 'key' in match ? ['key', match.key] : ['slot', match.slot];
  const method = where.threadTs ? 'conversations.replies' : 'conversations.history';
  const base = {
    channel: where.channelId,
    ...(where.threadTs ? { ts: where.threadTs } : {}),
    oldest: (where.since.getTime() / 1000).toFixed(6),
    inclusive: true,
    include_all_metadata: true,
    limit: PAGE_SIZE,
  };
  const found: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    let answer: Record<string, unknown>;
    try {
      answer = await api.post(method, cursor ? { ...base, cursor } : base, { timeoutMs });
    } catch (error) {
      const failure = classifySlackFailure(error);
      if (failure.kind === 'rate_limited' || failure.kind === 'transient' || failure.kind === 'auth')
        return { kind: 'failed', failure };
      return { kind: 'cannot_tell', why: `${method}: ${failure.code}` };
    }
    const messages = Array.isArray(answer.messages) ? (answer.messages as ListedMessage[]) : [];
    for (const message of messages) {
      const metadata = message.metadata;
      if (metadata?.event_type === OUTBOX_EVENT_TYPE && metadata.event_payload?.[field] === value)
        if (typeof message.ts === 'string') found.push(message.ts);
    }
    const next = (answer.response_metadata as { next_cursor?: unknown } | undefined)?.next_cursor;
    cursor = typeof next === 'string' && next !== '' ? next : undefined;
    if (!cursor) break;
  }
  if (found.length > 0) return { kind: 'found', ts: found.sort(byTs)[0]! };
  return cursor
    ? { kind: 'cannot_tell', why: `more than ${PAGE_SIZE * MAX_PAGES} messages since it was owed` }
    : { kind: 'not_found' };
}

function byTs(a: string, b: string): number {
  return Number(a) - Number(b) || a.localeCompare(b);
}
