/** Who belongs to a Slack user group. The Slack adapter implements it with a short cache. */
export interface Directory {
  usergroupMembers(groupId: string): Promise<readonly string[]>;
}
