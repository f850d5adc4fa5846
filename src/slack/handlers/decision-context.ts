import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { AttemptRecord } from '../../core/ports/audit.js';
import { tellRequester } from '../tell-requester.js';

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
