import type { WorkspaceIdentity } from './identity.js';

/** Who a signed Slack request says it comes from. */
export interface RequestOrigin {
  teamId: string | null;
  /** The acting person's own team, when the payload says (interactions do): differs in Slack Connect. */
  userTeamId: string | null;
  enterpriseId: string | null;
  appId: string | null;
  /** Shortcut payloads, for which Slack does not document `api_app_id` (see foreignOrigin). */
  isShortcut: boolean;
  channelId: string;
  userId: string;
}

type Body = Record<string, unknown>;

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const idOf = (value: unknown): string | null =>
  value && typeof value === 'object' ? text((value as { id?: unknown }).id) : null;

/** Reads the origin of a slash command, an interaction (view or block action) or an Events API callback. */
export function requestOrigin(body: Body): RequestOrigin {
  const user = body.user && typeof body.user === 'object' ? (body.user as Body) : null;
  return {
    teamId: text(body.team_id) ?? idOf(body.team),
    userTeamId: text(user?.team_id),
    enterpriseId: text(body.enterprise_id) ?? idOf(body.enterprise),
    appId: text(body.api_app_id),
    isShortcut: body.type === 'shortcut' || body.type === 'message_action',
    channelId: text(body.channel_id) ?? idOf(body.channel) ?? '',
    userId: text(body.user_id) ?? text(user?.id) ?? text((body.event as Body | undefined)?.user) ?? '',
  };
}

/**
 * Null when the request comes from the workspace (and Enterprise Grid organisation, and app) that auth.test
 * returned; otherwise what did not match. A person from another organisation acting in a Slack Connect
 * channel carries their own team and is refused like any other foreign request.
 */
export function foreignOrigin(origin: RequestOrigin, identity: WorkspaceIdentity): string | null {
  const problems: string[] = [];
  if (origin.teamId !== identity.teamId) problems.push(`team_id ${origin.teamId ?? '(none)'}`);
  if (origin.userTeamId !== null && origin.userTeamId !== identity.teamId) {
    problems.push(`user team ${origin.userTeamId}`);
  }
  if (origin.enterpriseId !== identity.enterpriseId) {
    problems.push(`enterprise_id ${origin.enterpriseId ?? '(none)'}`);
  }
  // Slack documents api_app_id on commands, block actions, views and events, not on shortcut payloads: a
  // shortcut without one is judged by its signature (the signing secret is this app's own), one naming
  // another app is still refused.
  const appIdMissingFromShortcut = origin.isShortcut && origin.appId === null;
  if (identity.appId !== null && origin.appId !== identity.appId && !appIdMissingFromShortcut) {
    problems.push(`api_app_id ${origin.appId ?? '(none)'}`);
  }
  if (problems.length === 0) return null;
  const bound = [identity.teamId, identity.enterpriseId, identity.appId].filter(Boolean).join('/');
  return `request from another workspace or app refused: ${problems.join(', ')} (bound to ${bound})`.slice(
    0,
    500,
  );
}
