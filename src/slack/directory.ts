import type { WebClient } from '@slack/web-api';
import type { Clock } from '../core/ports/clock.js';
import type { Directory } from '../core/ports/directory.js';

/** `usergroups.users.list` with a short cache; concurrent look-ups of one group share one call. */
export function createSlackDirectory(deps: { client: WebClient; clock: Clock; ttlMs?: number }): Directory {
  const ttlMs = deps.ttlMs ?? 60_000;
  const cache = new Map<string, { members: readonly string[]; expires: number }>();
  const pending = new Map<string, Promise<readonly string[]>>();
  return {
    async usergroupMembers(groupId) {
      const now = deps.clock.now().getTime();
      const hit = cache.get(groupId);
      if (hit && hit.expires > now) return hit.members;
      const running = pending.get(groupId);
      if (running) return running;
      const lookup = deps.client.usergroups.users
        .list({ usergroup: groupId })
        .then((answer) => {
          const members = Object.freeze([...(answer.users ?? [])]);
          cache.set(groupId, { members, expires: deps.clock.now().getTime() + ttlMs });
          return members;
        })
        .finally(() => pending.delete(groupId));
      pending.set(groupId, lookup);
      return lookup;
    },
  };
}
