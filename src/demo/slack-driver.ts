import type { ViewOutput } from '@slack/bolt';
import { ConfirmModal } from '../slack/ids.js';
import { postToBolt } from '../standin/post-to-bolt.js';
import {
  buildSlashCommandBody,
  buildViewSubmissionPayload,
  DEFAULT_ACTOR,
  DEFAULT_CHANNEL,
  encodeInteractivePayload,
} from '../standin/slack-payloads.js';
import type { SlackStandin } from '../standin/slack-web-api.js';
import { STANDIN_WORKSPACE } from '../standin/workspace-identity.js';

export interface Person {
  id: string;
  name: string;
}

/**
 * Plays the people in Slack against one bot endpoint: signed slash commands and modal submissions, and the
 * views the bot opened as the Slack stand-in holds them.
 */
export function createSlackDriver(options: { slack: SlackStandin; signingSecret: string; url: string }) {
  const { slack, signingSecret, url } = options;
  let lastTriggerId: string | undefined;
  return {
    /** A signed slash command; pass your own trigger id to find its view among concurrent ones. */
    command(
      text: string,
      as: Person = DEFAULT_ACTOR,
      channel = DEFAULT_CHANNEL,
      triggerId = `${Date.now()}.${Math.floor(Math.random() * 1e9)}.driver`,
    ) {
      lastTriggerId = triggerId;
      const body = buildSlashCommandBody({
        text,
        user_id: as.id,
        user_name: as.name,
        channel_id: channel.id,
        channel_name: channel.name,
        trigger_id: triggerId,
        response_url: slack.responseUrl(),
      });
      return postToBolt(url, body, { signingSecret });
    },
    /** The view opened for a command's trigger id (the last command's by default). */
    async openedView(triggerId = lastTriggerId): Promise<ViewOutput> {
      const call = await slack.waitFor((c) => c.method === 'views.open' && c.args.trigger_id === triggerId, {
        timeoutMs: 5_000,
      });
      const metadata = (call.args.view as { private_metadata?: string } | undefined)?.private_metadata;
      const view = [...slack.views.values()].find((v) => v.private_metadata === metadata);
      if (!view) throw new Error('the stand-in holds no view for that views.open call');
      return view;
    },
    submit(view: ViewOutput, reason: string | null, as: Person = DEFAULT_ACTOR) {
      const payload = buildViewSubmissionPayload({
        view,
        user: { id: as.id, name: as.name, team_id: STANDIN_WORKSPACE.teamId },
        values:
          reason === null
            ? {}
            : {
                [ConfirmModal.reasonBlock]: {
                  [ConfirmModal.reasonAction]: { type: 'plain_text_input', value: reason },
                },
              },
      });
      return postToBolt(url, encodeInteractivePayload(payload), { signingSecret });
    },
  };
}

export type SlackDriver = ReturnType<typeof createSlackDriver>;
