import type { AttemptRecord, ChainHead } from './audit.js';

export interface Delivery {
  /** Where people learnt the outcome: the request's channel, a DM, an ephemeral reply, or nowhere. */
  via: 'channel' | 'dm' | 'ephemeral' | 'none';
  channelId: string | null;
  ts: string | null;
  /** Why the channel post failed, when it did (a Slack error code, never a token). */
  channelError: string | null;
}

/** Where a batch's one message stands: waiting for a second person, running, or finished. */
export type BatchStage =
  | { kind: 'awaiting_approval'; expiresAt: Date }
  | { kind: 'running' }
  | { kind: 'done'; chainHead: ChainHead | null };

/**
 * Tells people how an attempt ended. Implemented by the Slack adapter; never throws. Final messages carry the
 * audit chain's head as it was after their outcome was recorded (null when the store could not say).
 */
export interface OutcomeNotifier {
  publishOutcome(record: AttemptRecord, chainHead: ChainHead | null): Promise<Delivery>;
  /** Posts the one message of a batch (or of an approval request), a line per order. */
  publishBatch(records: readonly AttemptRecord[], stage: BatchStage): Promise<Delivery>;
  /**
   * Rewrites that message in place. When it never reached the channel, the requester is told privately
   * once the batch is done.
   */
  updateBatch(where: Delivery, records: readonly AttemptRecord[], stage: BatchStage): Promise<void>;
}
