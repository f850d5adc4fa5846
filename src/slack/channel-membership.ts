import type { WebClient } from '@slack/web-api';
import type { Clock } from '../core/ports/clock.js';
import type { ChannelMembership } from '../core/ports/directory.js';

/** Pages read per person at most: a person in more than this many thousand channels sees a partial list. */
const MAX_PAGES = 10;

/**
 * `users.conversations` with `user=`: the public channels a person is in, and the private ones the bot shares
 * with them (Slack shows no others, which errs on the safe side). Cached briefly per person.
 */
export function createSlackChannelMembership(deps: {
  client: WebClient;
  clock: Clock;
  ttlMs?: number;
}): ChannelMembership {
  const ttlMs = deps.ttlMs ?? 60_000;
  const cache = new Map<string, { channels: ReadonlySet<string>; expires: number }>();
  return {
    async channelsOf(userId) {
      const now = deps.clock.now().getTime();
      const hit = cache.get(userId);
      if (hit && hit.expires > now) return hit.channels;
      const channels = new Set<string>();
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const answer = await deps.client.users.conversations({
          user: userId,
          types: 'public_channel,private_channel',
          limit: 999,
          ...(cursor ? { cursor } : {}),
        });
        for (const channel of answer.channels ?? []) if (channel.id) channels.add(channel.id);
        cursor = answer.response_metadata?.next_cursor || undefined;
        if (!cursor) break;
      }
      // A busy workspace opens many homes; the cache is bounded by dropping what has expired.
      for (const [key, entry] of cache) if (entry.expires <= now) cache.delete(key);
      cache.set(userId, { channels, expires: deps.clock.now().getTime() + ttlMs });
      return channels;
    },
  };
}
