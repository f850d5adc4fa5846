/**
 * Slack's limit on chat.postMessage in one channel: about one message a second, short bursts allowed. Here a
 * token bucket per channel: `burst` posts at once, then `perSecond`; a post over the limit is answered 429 with
 * the whole seconds until the next one would pass.
 */
export interface ChannelPostLimit {
  perSecond: number;
  burst: number;
}

export function channelPostLimiter(now: () => number = () => performance.now()) {
  let limit: ChannelPostLimit | null = null;
  const buckets = new Map<string, { tokens: number; at: number }>();

  return {
    /** null lifts the limit. */
    set(next: ChannelPostLimit | null): void {
      if (next !== null && (next.perSecond <= 0 || next.burst < 1))
        throw new Error('a channel post limit needs perSecond > 0 and burst >= 1');
      limit = next;
      buckets.clear();
    },
    /** Takes one post for `channel`: null when it passes, else the Retry-After in seconds. */
    take(channel: string): number | null {
      if (limit === null) return null;
      const at = now();
      const bucket = buckets.get(channel) ?? { tokens: limit.burst, at };
      const tokens = Math.min(limit.burst, bucket.tokens + ((at - bucket.at) / 1000) * limit.perSecond);
      if (tokens >= 1) {
        buckets.set(channel, { tokens: tokens - 1, at });
        return null;
      }
      buckets.set(channel, { tokens, at });
      return Math.max(1, Math.ceil((1 - tokens) / limit.perSecond));
    },
  };
}
