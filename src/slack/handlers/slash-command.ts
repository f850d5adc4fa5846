import type { SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { CancelService } from '../../core/cancel-service.js';
import type { InFlight } from '../../core/in-flight.js';
import { parseCommandText } from '../../core/order-number.js';
import type { WdtEnvironment } from '../../core/ports/wdt.js';
import { AuditUnavailableError } from '../../errors.js';
import { COMMAND } from '../ids.js';
import { quoteUserText } from '../mrkdwn.js';
import { sealMetadata } from '../private-metadata.js';
import { slackErrorCode } from '../slack-error-code.js';
import type { Texts } from '../texts/index.js';
import { buildConfirmModal } from '../views/confirm-modal.js';
import { buildUsageReply } from '../views/usage.js';

export interface SlashCommandDeps {
  cancel: CancelService;
  texts: Texts;
  environment: WdtEnvironment;
  metadataKey: string;
  maxOrders: number;
  askWhom: string;
  inFlight: InFlight;
  logger: Logger;
}

type SlashCommandArgs = Pick<SlackCommandMiddlewareArgs, 'command' | 'ack' | 'respond'> & {
  client: WebClient;
};

/**
 * Parsing is synchronous and answered in the ack; everything that talks to the world (user groups, the audit
 * store, views.open) happens after it, inside the trigger id's 3 seconds.
 */
export function makeSlashCommandHandler(deps: SlashCommandDeps) {
  const { texts, logger } = deps;
  return async ({ command, ack, respond, client }: SlashCommandArgs): Promise<void> => {
    const parsed = parseCommandText(command.text ?? '', deps.maxOrders);
    if (parsed.kind === 'help') {
      await ack(buildUsageReply(texts, COMMAND));
      return;
    }
    if (parsed.kind === 'invalid') {
      const problem = texts.invalid[parsed.problem](quoteUserText(parsed.sample ?? ''), deps.maxOrders);
      await ack(buildUsageReply(texts, COMMAND, problem));
      return;
    }
    await ack();
    await deps.inFlight.track(openConfirmation({ command, respond, client }, parsed.orderNos));
  };

  async function openConfirmation(
    { command, respond, client }: Omit<SlashCommandArgs, 'ack'>,
    orderNos: string[],
  ): Promise<void> {
    const ephemeral = (text: string) =>
      respond({ response_type: 'ephemeral', replace_original: false, text });
    if (!deps.inFlight.accepting) {
      await ephemeral(texts.shuttingDown);
      return;
    }

    let result: Awaited<ReturnType<CancelService['request']>>;
    try {
      result = await deps.cancel.request({
        teamId: command.team_id ?? null,
        channelId: command.channel_id,
        userId: command.user_id,
        orderNos,
      });
    } catch (error) {
      logger.error({ err: error, userId: command.user_id }, 'cancel request failed before the dialog');
      await ephemeral(error instanceof AuditUnavailableError ? texts.auditUnavailable : texts.unexpected);
      return;
    }
    if (result.kind === 'denied') {
      await ephemeral(texts.denied[result.decision.reason](deps.askWhom));
      return;
    }

    const attempt = result.attempts[0]!;
    try {
      await client.views.open({
        trigger_id: command.trigger_id,
        view: buildConfirmModal({
          texts,
          attempt,
          environment: deps.environment,
          privateMetadata: sealMetadata(deps.metadataKey, { attemptId: attempt.attemptId }),
        }),
      });
    } catch (error) {
      const code = slackErrorCode(error);
      logger.warn({ slackError: code, attemptId: attempt.attemptId }, 'views.open failed');
      await ephemeral(texts.modalFailed(code));
      await deps.cancel.abandon(attempt, `confirmation dialog could not open: ${code}`);
    }
  }
}
