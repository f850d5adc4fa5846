import type { Logger } from 'pino';
import type { SlackChat } from './chat-client.js';
import { slackErrorCode } from './error-code.js';

/**
 * A private note to one person: ephemeral in the channel, or a DM when the bot cannot post there.
 * Resolves to where it went; never throws.
 */
export async function tellRequester(
  client: SlackChat,
  logger: Logger,
  to: { channelId: string; userId: string; text: string },
): Promise<'ephemeral' | 'dm' | 'none'> {
  try {
    await client.chat.postEphemeral({ channel: to.channelId, user: to.userId, text: to.text });
    return 'ephemeral';
  } catch (error) {
    logger.warn(
      { slackError: slackErrorCode(error), channelId: to.channelId },
      'ephemeral reply failed; trying a DM',
    );
  }
  try {
    const opened = await client.conversations.open({ users: to.userId });
    const dm = opened.channel?.id;
    if (!dm) return 'none';
    await client.chat.postMessage({ channel: dm, text: to.text });
    return 'dm';
  } catch (error) {
    logger.error(
      { slackError: slackErrorCode(error), userId: to.userId },
      'could not reach the requester at all',
    );
    return 'none';
  }
}
