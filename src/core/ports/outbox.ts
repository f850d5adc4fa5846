import type { AttemptRecord, ChainHead } from './audit.js';

/**
 * A message the product owes: written in the same transaction as the state that makes it owed, and
 * delivered by a worker until Slack accepts it (or an error that cannot heal gives it up). Messages of one
 * slot are delivered one at a time in the order owed; an undelivered one is superseded by a later one of its
 * slot, since only the latest matters.
 */
export interface OutboxItem {
  /** Unique: owing the same message twice (a retried write) owes it once. */
  key: string;
  /** Messages that replace one another: one attempt's outcome, one batch's message, one workflow step. */
  slot: string;
  /**
   * `post`: each message is a new post. `edit`: the slot's first delivered message is posted, later ones
   * edit it in place. `call`: not a post but a Slack call (a Workflow step's completion).
   */
  mode: 'post' | 'edit' | 'call';
  /** Where it goes; null is the audit channel (AUDIT_CHANNEL_ID, as the delivering process is configured). */
  channelId: string | null;
  /** A message shortcut's outcome answers in the thread of the message it was used on. */
  threadTs?: string;
  /** The attempts whose records say where the message went (`notified`) once it is delivered. */
  attemptIds: string[];
  body: OwedBody;
  /** Whether the store fills `chainHead` with the chain's head after this write (final messages show it). */
  withChainHead?: true;
}

/**
 * What the message says, rendered when it is delivered. Outcomes carry the record as the owing write left it;
 * a batch's message and a step's completion are rendered from the records as they are when delivered, so
 * that the latest delivery always says the latest truth.
 */
export type OwedBody =
  | { kind: 'outcome'; record: AttemptRecord; chainHead?: ChainHead | null }
  | { kind: 'batch'; batchId: string }
  | {
      kind: 'control';
      event: 'paused' | 'resumed';
      by: string;
      at: string;
      reason: string | null;
      channelId: string;
    }
  | { kind: 'step'; functionExecutionId: string; batchId: string };

/** Where an outbox message stands. */
export type OutboxState = 'pending' | 'delivered' | 'superseded' | 'given_up';

/** A message claimed for delivery by one process, for a while (a dead process's claim is taken over). */
export interface ClaimedDelivery {
  id: number;
  item: OutboxItem;
  /** Earlier tries of this message, by any process: more than zero, and a post may have reached Slack. */
  tries: number;
  /** The slot's message in Slack (its first delivered post), for `edit`. */
  slotMessage: { channelId: string; ts: string } | null;
  /** When it was owed, by the database's clock. */
  owedAt: string;
  /** The claim: settle only while it holds. */
  claimedBy: string;
  claimedUntil: string;
}

export type DeliveryOutcome =
  | {
      kind: 'delivered';
      channelId: string | null;
      ts: string | null;
      via: 'channel' | 'dm' | 'ephemeral' | 'none';
      /**
       * The attempts whose records say where it went (`notified`), when not the item's own: a batch's message
       * names its orders when it is first posted and once every order is final.
       */
      notify?: readonly string[];
    }
  /** Try again after `retryInMs` (Slack's Retry-After, or a backoff). */
  | { kind: 'retry'; retryInMs: number; error: string }
  /** An error that cannot heal (the bot was removed from the channel, …): recorded, never tried again. */
  | { kind: 'given_up'; reason: string };

export interface OutboxSummary {
  pending: number;
  /** The oldest pending message's age, by the database's clock; null when none is pending. */
  oldestPendingMs: number | null;
  givenUp: number;
}

export interface OutboxRow {
  id: number;
  item: OutboxItem;
  state: OutboxState;
  tries: number;
  owedAt: string;
  lastError: string | null;
  deliveredTs: string | null;
}
