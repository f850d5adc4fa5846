import { type CallArgs, fail, missing, type SlackAnswer, stringArg } from './answers.js';

/** Channel types users.conversations lists by default, as Slack does. */
const DEFAULT_TYPES = 'public_channel';

/**
 * Who belongs to which user group and channel in the stand-in workspace. Tests change it while the bot runs
 * (someone leaves a group, joins a channel) to see the bot notice once its caches expire.
 */
export class WorkspaceMembership {
  private readonly groups: Map<string, readonly string[]>;
  /** Channel id → whether it is private, and who is in it. */
  private readonly channels = new Map<string, { isPrivate: boolean; members: Set<string> }>();

  constructor(usergroups: Readonly<Record<string, readonly string[]>>) {
    this.groups = new Map(Object.entries(usergroups));
  }

  setUsergroup(groupId: string, users: readonly string[]): void {
    this.groups.set(groupId, [...users]);
  }

  setChannel(channelId: string, options: { isPrivate: boolean; members: readonly string[] }): void {
    this.channels.set(channelId, { isPrivate: options.isPrivate, members: new Set(options.members) });
  }

  usergroupsUsersList(args: CallArgs): SlackAnswer {
    const group = stringArg(args, 'usergroup');
    if (group === undefined) return missing('usergroup');
    const users = this.groups.get(group);
    return users === undefined ? fail('no_such_subteam') : { ok: true, users: [...users] };
  }

  /** The channels `user` is in, of the asked types; one page (the stand-in's workspaces are small). */
  usersConversations(args: CallArgs): SlackAnswer {
    const user = stringArg(args, 'user');
    if (user === undefined) return missing('user');
    const types = new Set((stringArg(args, 'types') ?? DEFAULT_TYPES).split(',').map((t) => t.trim()));
    const channels = [...this.channels]
      .filter(([, channel]) => channel.members.has(user))
      .filter(([, channel]) => types.has(channel.isPrivate ? 'private_channel' : 'public_channel'))
      .map(([id, channel]) => ({ id, is_channel: !channel.isPrivate, is_private: channel.isPrivate }));
    return { ok: true, channels, response_metadata: { next_cursor: '' } };
  }
}
