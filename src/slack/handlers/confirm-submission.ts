import type { SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { CancelService, ConfirmResult } from '../../core/cancel-service.js';
import type { WdtEnvironment } from '../../core/ports/wdt.js';
import { AuditUnavailableError, ShuttingDownError } from '../../errors.js';
import { ConfirmModal, REASON_MAX_LENGTH } from '../ids.js';
import { escapeMrkdwn, mentionUser } from '../mrkdwn.js';
import { openMetadata } from '../private-metadata.js';
import { slackErrorCode } from '../slack-error-code.js';
import { tellRequester } from '../tell-requester.js';
import type { Texts } from '../texts/index.js';
import { buildOutcomeMessage } from '../views/outcome-message.js';
import { buildOutcomeModal, buildStatusModal } from '../views/status-modal.js';

export interface ConfirmSubmissionDeps {
  cancel: CancelService;
  texts: Texts;
  environment: WdtEnvironment;
  metadataKey: string;
  logger: Logger;
}

type ConfirmArgs = Pick<SlackViewMiddlewareArgs<ViewSubmitAction>, 'ack' | 'body' | 'view'> & { client: WebClient };

const reasonSchema = z.object({
  [ConfirmModal.reasonBlock]: z.object({
    [ConfirmModal.reasonAction]: z.object({ value: z.string().nullable().optional() }),
  }),
});

/**
 * Validates what can be validated synchronously and answers in the ack (field errors, or "Cancelling…");
 * the cancel itself runs after the ack and its outcome replaces the modal.
 */
export function makeConfirmSubmissionHandler(deps: ConfirmSubmissionDeps) {
  const { texts, logger } = deps;
  return async ({ ack, body, view, client }: ConfirmArgs): Promise<void> => {
    const metadata = openMetadata(deps.metadataKey, view.private_metadata);
    const state = reasonSchema.safeParse(view.state?.values);
    if (!metadata || !state.success) {
      logger.warn({ userId: body.user?.id, metadataOk: Boolean(metadata) }, 'refused a malformed confirmation');
      await ack({ response_action: 'errors', errors: { [ConfirmModal.reasonBlock]: texts.unknownRequest } });
      return;
    }
    const reason = (state.data[ConfirmModal.reasonBlock][ConfirmModal.reasonAction].value ?? '').trim();
    if (reason.length === 0 || Array.from(reason).length > REASON_MAX_LENGTH) {
      const error = reason.length === 0 ? texts.reasonRequired : texts.reasonTooLong(REASON_MAX_LENGTH);
      await ack({ response_action: 'errors', errors: { [ConfirmModal.reasonBlock]: error } });
      return;
    }
    await ack({
      response_action: 'update',
      view: buildStatusModal({ texts, title: texts.cancellingTitle, mrkdwn: texts.cancelling('…') }),
    });

    const userId = body.user.id;
    let result: ConfirmResult;
    try {
      result = await deps.cancel.confirm({ attemptId: metadata.attemptId, userId, reason });
    } catch (error) {
      logger.error({ err: error, attemptId: metadata.attemptId }, 'confirmation failed');
      const text =
        error instanceof AuditUnavailableError
          ? texts.auditUnavailable
          : error instanceof ShuttingDownError
            ? texts.shuttingDown
            : texts.unexpected;
      await showInModal(client, logger, view.id, buildStatusModal({ texts, title: texts.modalTitle, mrkdwn: text }));
      return;
    }
    await present(result);

    async function present(outcome: ConfirmResult): Promise<void> {
      switch (outcome.kind) {
        case 'duplicate':
          logger.info({ attemptId: outcome.record.attemptId, userId }, 'duplicate confirmation ignored');
          return;
        case 'finished': {
          const message = buildOutcomeMessage({ texts, record: outcome.record, environment: deps.environment });
          await showInModal(client, logger, view.id, buildOutcomeModal(texts, message));
          return;
        }
        case 'busy': {
          const text = texts.busy(escapeMrkdwn(outcome.record.orderNo ?? ''), mentionUser(outcome.holderRequesterId));
          await showInModal(client, logger, view.id, buildStatusModal({ texts, title: texts.modalTitle, mrkdwn: text }));
          await tellRequester(client, logger, { channelId: outcome.record.channelId, userId, text });
          return;
        }
        case 'denied':
        case 'not_requester':
        case 'unknown_request': {
          const text =
            outcome.kind === 'denied'
              ? texts.denied[outcome.decision.reason](texts.askWhomDefault)
              : outcome.kind === 'not_requester'
                ? texts.notRequester
                : texts.unknownRequest;
          await showInModal(client, logger, view.id, buildStatusModal({ texts, title: texts.modalTitle, mrkdwn: text }));
          return;
        }
      }
    }
  };
}

async function showInModal(
  client: WebClient,
  logger: Logger,
  viewId: string,
  modal: Parameters<WebClient['views']['update']>[0]['view'],
): Promise<void> {
  try {
    await client.views.update({ view_id: viewId, view: modal });
  } catch (error) {
    // The person may have closed the modal; the outcome still reaches the channel through the notifier.
    logger.info({ slackError: slackErrorCode(error), viewId }, 'could not update the modal');
  }
}
