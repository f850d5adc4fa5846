import type { BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { AttemptRecord } from '../../core/ports/audit.js';
import type { Seals } from '../private-metadata.js';
import { tellRequester } from '../tell-requester.js';
import type { Texts } from '../texts/index.js';
import { sealProblemText } from '../texts/seal-problem.js';

export type ButtonArgs = Pick<
  SlackActionMiddlewareArgs<BlockAction<ButtonAction>>,
  'ack' | 'body' | 'action'
> & {
  client: WebClient;
};

/** Where a click came from: the channel message, or App Home (which has no channel). */
export function clickOrigin(body: BlockAction<ButtonAction>) {
  return {
    userId: body.user.id,
    channelId: body.channel?.id ?? null,
    fromHome: body.container?.type === 'view',
    triggerId: body.trigger_id,
  };
}

/** An explanation to the person who clicked, in the request's channel, or by DM. */
export function tellActor(
  client: WebClient,
  logger: Logger,
  to: { userId: string; channelId: string | null; records?: readonly AttemptRecord[] },
  text: string,
) {
  const channelId = to.channelId ?? to.records?.[0]?.channelId ?? to.userId;
  return tellRequester(client, logger, { channelId, userId: to.userId, text });
}

/**
 * Acks a click on an approval request's Approve or Reject button and opens the seal it carries. A seal that
 * does not open is explained to the person who clicked, and null is returned.
 */
export async function openApprovalClick(
  { ack, body, action, client }: ButtonArgs,
  deps: { seals: Seals; texts: Texts; logger: Logger },
) {
  await ack();
  const origin = clickOrigin(body);
  const ref = deps.seals.open('approval', action.value);
  if (!ref.ok) {
    await tellActor(client, deps.logger, origin, sealProblemText(deps.texts, ref.problem));
    return null;
  }
  return { origin, attemptIds: ref.attemptIds };
}
