import type { AttemptRecord } from './audit.js';

export interface Delivery {
  /** Where people learnt the outcome: the request's channel, a DM, an ephemeral reply, or nowhere. */
  via: 'channel' | 'dm' | 'ephemeral' | 'none';
  channelId: string | null;
  ts: string | null;
  /** Why the channel post failed, when it did (a Slack error code, never a token). */
  channelError: string | null;
}

/** Tells people how an attempt ended. Implemented by the Slack adapter; never throws. */
export interface OutcomeNotifier {
  publishOutcome(record: AttemptRecord): Promise<Delivery>;
}
