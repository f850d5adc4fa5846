import type { Logger } from 'pino';
import type { AttemptRecord, ChainHead } from '../core/ports/audit.js';
import type { BatchStage, Delivery, OutcomeNotifier } from '../core/ports/notifier.js';
import type { WdtEnvironment } from '../core/ports/wdt.js';
import type { SlackChat } from './chat-client.js';
import { slackErrorCode } from './error-code.js';
import { mentionChannel } from './mrkdwn.js';
import type { Seals } from './private-metadata.js';
import { tellRequester } from './tell-requester.js';
import type { Texts } from './texts/index.js';
import { buildBatchMessage } from './views/batch-message.js';
import { buildOutcomeMessage, type OutcomeMessage } from './views/outcome-message.js';

/**
 * Posts ONE message in the channel where the command was typed (an outcome, or a batch's message that is
 * then edited in place), a copy of final outcomes to the audit channel, and, when the channel post fails
 * (bot not a member, archived, Slack down), tells the requester privately.
 */
export function createSlackNotifier(deps: {
  client: SlackChat;
  texts: Texts;
  environment: WdtEnvironment;
  auditChannelId: string | undefined;
  seals: Seals;
  approvalTtlMinutes: number;
  logger: Logger;
}): OutcomeNotifier {
  const { client, texts, logger } = deps;

  function batchMessage(records: readonly AttemptRecord[], stage: BatchStage): OutcomeMessage {
    return buildBatchMessage({
      texts,
      records,
      stage,
      environment: deps.environment,
      sealedRef: deps.seals.seal('approval', { attemptIds: records.map((r) => r.attemptId) }),
      approvalTtlMinutes: deps.approvalTtlMinutes,
    });
  }

  async function post(record: AttemptRecord, message: OutcomeMessage): Promise<Delivery> {
    try {
      const posted = await client.chat.postMessage({
        channel: record.channelId,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        // A message shortcut's outcome answers the message it was used on, in its thread.
        ...(record.threadTs ? { thread_ts: record.threadTs } : {}),
      });
      return {
        via: 'channel',
        channelId: posted.channel ?? record.channelId,
        ts: posted.ts ?? null,
        channelError: null,
      };
    } catch (error) {
      const channelError = slackErrorCode(error);
      logger.warn({ slackError: channelError, attemptId: record.attemptId }, 'post to the channel failed');
      const notice = texts.fallbackNotice(mentionChannel(record.channelId), channelError);
      const via = await tellRequester(client, logger, {
        channelId: record.channelId,
        userId: record.requesterId,
        text: `${notice}\n${message.text}`,
      });
      return { via, channelId: null, ts: null, channelError };
    }
  }

  return {
    async publishOutcome(record: AttemptRecord, chainHead: ChainHead | null): Promise<Delivery> {
      const message = buildOutcomeMessage({ texts, record, environment: deps.environment, chainHead });
      const copy = postCopy(record, message);
      const delivery = await post(record, message);
      await copy;
      return delivery;
    },

    publishBatch(records, stage) {
      return post(records[0]!, batchMessage(records, stage));
    },

    async updateBatch(where, records, stage) {
      const message = batchMessage(records, stage);
      const first = records[0]!;
      if (stage.kind === 'done') await postCopy(first, message);
      if (where.channelId && where.ts) {
        try {
          await client.chat.update({
            channel: where.channelId,
            ts: where.ts,
            text: message.text,
            blocks: message.blocks,
          });
          return;
        } catch (error) {
          logger.warn({ slackError: slackErrorCode(error), batchId: first.batchId }, 'chat.update failed');
        }
      }
      if (stage.kind === 'done') {
        await tellRequester(client, logger, {
          channelId: first.channelId,
          userId: first.requesterId,
          text: message.text,
        });
      }
    },
  };

  async function postCopy(record: AttemptRecord, message: OutcomeMessage): Promise<void> {
    if (!deps.auditChannelId || deps.auditChannelId === record.channelId) return;
    try {
      await client.chat.postMessage({
        channel: deps.auditChannelId,
        text: message.text,
        blocks: message.blocks,
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
