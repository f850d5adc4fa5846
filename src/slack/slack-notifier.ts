import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { AttemptRecord } from '../core/ports/audit.js';
import type { Delivery, OutcomeNotifier } from '../core/ports/notifier.js';
import type { WdtEnvironment } from '../core/ports/wdt.js';
import { mentionChannel } from './mrkdwn.js';
import { slackErrorCode } from './slack-error-code.js';
import { tellRequester } from './tell-requester.js';
import type { Texts } from './texts/index.js';
import { buildOutcomeMessage } from './views/outcome-message.js';

/**
 * Posts ONE outcome message in the channel where the command was typed, a copy to the audit channel, and,
 * when the channel post fails (bot not a member, archived, Slack down), tells the requester privately.
 */
export function createSlackNotifier(deps: {
  client: WebClient;
  texts: Texts;
  environment: WdtEnvironment;
  auditChannelId: string | undefined;
  logger: Logger;
}): OutcomeNotifier {
  const { client, texts, logger } = deps;
  return {
    async publishOutcome(record: AttemptRecord): Promise<Delivery> {
      const message = buildOutcomeMessage({ texts, record, environment: deps.environment });
      const copy = postCopy(record, message);
      let delivery: Delivery;
      try {
        const posted = await client.chat.postMessage({
          channel: record.channelId,
          text: message.text,
          blocks: message.blocks,
          unfurl_links: false,
        });
        delivery = {
          via: 'channel',
          channelId: posted.channel ?? record.channelId,
          ts: posted.ts ?? null,
          channelError: null,
        };
      } catch (error) {
        const channelError = slackErrorCode(error);
        logger.warn(
          { slackError: channelError, attemptId: record.attemptId },
          'outcome post to the channel failed',
        );
        const notice = texts.fallbackNotice(mentionChannel(record.channelId), channelError);
        const via = await tellRequester(client, logger, {
          channelId: record.channelId,
          userId: record.requesterId,
          text: `${notice}\n${message.text}`,
        });
        delivery = { via, channelId: null, ts: null, channelError };
      }
      await copy;
      return delivery;
    },
  };

  async function postCopy(
    record: AttemptRecord,
    message: { text: string; blocks: unknown[] },
  ): Promise<void> {
    if (!deps.auditChannelId || deps.auditChannelId === record.channelId) return;
    try {
      await client.chat.postMessage({
        channel: deps.auditChannelId,
        text: message.text,
        blocks: message.blocks as never,
        unfurl_links: false,
      });
    } catch (error) {
      logger.warn(
        { slackError: slackErrorCode(error), attemptId: record.attemptId },
        'audit channel copy failed',
      );
    }
  }
}
