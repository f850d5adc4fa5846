import type { Directory } from './ports/directory.js';

export type AccessDecision =
  | { allowed: true; via: 'user' | 'usergroup' }
  | {
      allowed: false;
      reason: 'nobody_configured' | 'not_listed' | 'channel_not_allowed' | 'directory_unavailable';
    };

export interface Allowlist {
  users: readonly string[];
  usergroups: readonly string[];
}

export interface CancelPolicy {
  readonly configured: boolean;
  canRequest(userId: string, channelId: string): Promise<AccessDecision>;
  /** May this person approve (or reject) other people's requests? Never says anything about their own. */
  canApprove(userId: string): Promise<AccessDecision>;
  /**
   * May this person see the workspace's cancel activity (App Home): those who may request, in some channel,
   * approve, or administer.
   */
  canSeeActivity(userId: string): Promise<boolean>;
  /** May this person pause, resume and unlock? Says nothing about cancelling: admins are not allowed to by it. */
  isAdmin(userId: string): Promise<AccessDecision>;
}

const isEmpty = (list: Allowlist) => list.users.length === 0 && list.usergroups.length === 0;

/**
 * Default deny: nobody may cancel unless listed directly or through a user group, in an allowed channel.
 * Approvers default to the cancel allowlist when none are configured.
 */
export function createCancelPolicy(options: {
  allow: Allowlist;
  approvers?: Allowlist;
  /** Operators (CANCEL_ADMINS, CANCEL_ADMIN_USERGROUPS); nobody when empty. */
  admins?: Allowlist;
  channels: readonly string[];
  directory: Directory;
}): CancelPolicy {
  const { allow, channels, directory } = options;
  const configured = !isEmpty(allow);
  const approvers = options.approvers && !isEmpty(options.approvers) ? options.approvers : allow;
  const admins = options.admins ?? { users: [], usergroups: [] };
  const isAdmin = async (userId: string): Promise<AccessDecision> =>
    isEmpty(admins) ? { allowed: false, reason: 'nobody_configured' } : isMember(admins, directory, userId);
  return {
    isAdmin,
    configured,
    async canApprove(userId) {
      if (isEmpty(approvers)) return { allowed: false, reason: 'nobody_configured' };
      return isMember(approvers, directory, userId);
    },
    async canSeeActivity(userId) {
      if (configured && (await isMember(allow, directory, userId)).allowed) return true;
      if (!isEmpty(approvers) && (await isMember(approvers, directory, userId)).allowed) return true;
      return (await isAdmin(userId)).allowed;
    },
    async canRequest(userId, channelId) {
      if (!configured) return { allowed: false, reason: 'nobody_configured' };
      if (channels.length > 0 && !channels.includes(channelId)) {
        return { allowed: false, reason: 'channel_not_allowed' };
      }
      return isMember(allow, directory, userId);
    },
  };
}

export async function isMember(
  allow: Allowlist,
  directory: Directory,
  userId: string,
): Promise<AccessDecision> {
  if (allow.users.includes(userId)) return { allowed: true, via: 'user' };
  let lookupFailed = false;
  for (const groupId of allow.usergroups) {
    try {
      if ((await directory.usergroupMembers(groupId)).includes(userId))
        return { allowed: true, via: 'usergroup' };
    } catch {
      lookupFailed = true;
    }
  }
  return { allowed: false, reason: lookupFailed ? 'directory_unavailable' : 'not_listed' };
}
