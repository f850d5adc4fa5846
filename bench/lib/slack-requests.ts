import type { ViewOutput } from '@slack/bolt';
import {
  buildSlashCommandBody,
  buildViewSubmissionPayload,
  DEFAULT_ACTOR,
  encodeInteractivePayload,
} from '../../src/local/slack-standin/payloads.js';
import { signSlackRequest } from '../../src/local/slack-standin/request-signer.js';
import { STANDIN_WORKSPACE } from '../../src/local/slack-standin/workspace-identity.js';
import { ConfirmModal } from '../../src/slack/ids.js';
import type { PreparedRequest } from './load-generator.js';

/** Signed exactly as Slack signs, with a timestamp taken at build time (never reused across seconds). */
function signedForm(signingSecret: string, body: string): Record<string, string> {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    ...signSlackRequest(signingSecret, body, Math.floor(Date.now() / 1000)),
  };
}

/** `/cancel-stockin <orderNo>` from the allowed user, with a fresh trigger id and the given response URL. */
export function slashCommandRequest(
  responseUrl: string,
  signingSecret: string,
  orderNo: string,
): PreparedRequest & { triggerId: string } {
  const body = buildSlashCommandBody({ text: orderNo, response_url: responseUrl });
  const triggerId = new URLSearchParams(body).get('trigger_id')!;
  return { body, headers: signedForm(signingSecret, body), triggerId };
}

/** The confirmation modal submitted with a reason, as the allowed user. */
export function confirmSubmissionRequest(
  signingSecret: string,
  view: ViewOutput,
  reason: string,
): PreparedRequest {
  const payload = buildViewSubmissionPayload({
    view,
    user: { id: DEFAULT_ACTOR.id, name: DEFAULT_ACTOR.name, team_id: STANDIN_WORKSPACE.teamId },
    values: {
      [ConfirmModal.reasonBlock]: {
        [ConfirmModal.reasonAction]: { type: 'plain_text_input', value: reason },
      },
    },
  });
  const body = encodeInteractivePayload(payload);
  return { body, headers: signedForm(signingSecret, body) };
}

/**
 * A valid command's ack: empty when the bot admitted it, an ephemeral "too busy" reply when its
 * back-pressure turned it away.
 */
export function turnedAway(ackBody: string): boolean {
  return ackBody.includes('"response_type":"ephemeral"');
}
