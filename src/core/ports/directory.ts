/** Who belongs to a Slack user group. The Slack adapter implements it with a short cache. */
export interface Directory {
  usergroupMembers(groupId: string): Promise<readonly string[]>;
}

/** Which channels a person is in, as far as the bot can see (public ones, and private ones it shares). */
export interface ChannelMembership {
  channelsOf(userId: string): Promise<ReadonlySet<string>>;
}
