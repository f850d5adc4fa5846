import type { SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { CancelService, ConfirmResult } from '../../core/cancel-service.js';
import type { InFlight } from '../../core/in-flight.js';
import type { WdtEnvironment } from '../../core/ports/wdt.js';
import { slackErrorCode } from '../error-code.js';
import { ConfirmModal, REASON_MAX_LENGTH } from '../ids.js';
import { escapeMrkdwn, mentionChannel, mentionUser } from '../mrkdwn.js';
import { haltNotice } from '../pause-notice.js';
import type { Seals } from '../private-metadata.js';
import type { ReaderTexts } from '../reader-locales.js';
import { tellRequester } from '../tell-requester.js';
import type { Texts } from '../texts/index.js';
import { sealProblemText } from '../texts/seal-problem.js';
import { userMessageFor } from '../user-message.js';
import { buildOutcomeMessage } from '../views/outcome-message.js';
import { buildOutcomeModal, buildStatusModal } from '../views/status-modal.js';
import type { SlackViews } from '../views-client.js';

export interface ConfirmSubmissionDeps {
  cancel: CancelService;
  views: SlackViews;
  /** Tracks each confirmation with its report, so a shutdown waits until the person has the outcome. */
  inFlight: InFlight;
  /** The confirming person's language (from the cache: nothing waits for a look-up before the ack). */
  readers: ReaderTexts;
  environment: WdtEnvironment;
  seals: Seals;
  logger: Logger;
}

type ConfirmArgs = Pick<SlackViewMiddlewareArgs<ViewSubmitAction>, 'ack' | 'body' | 'view'> & {
  client: WebClient;
};

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
  const { logger } = deps;
  return async ({ ack, body, view, client }: ConfirmArgs): Promise<void> => {
    const texts = deps.readers.for(body.user.id);
    const metadata = deps.seals.open('confirm', view.private_metadata);
    const state = reasonSchema.safeParse(view.state?.values);
    if (!metadata.ok || !state.success) {
      const sealProblem = metadata.ok ? null : metadata.problem;
      logger.warn({ userId: body.user?.id, sealProblem }, 'refused a malformed confirmation');
      const error = sealProblem ? sealProblemText(texts, sealProblem) : texts.unknownRequest;
      await ack({ response_action: 'errors', errors: { [ConfirmModal.reasonBlock]: error } });
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

    const context = { client, viewId: view.id, userId: body.user.id, texts };
    await deps.inFlight.track(confirmAndReport(context, metadata.attemptIds, reason));
  };

  async function confirmAndReport(
    context: ReportContext,
    attemptIds: string[],
    reason: string,
  ): Promise<void> {
    const { texts } = context;
    let result: ConfirmResult;
    try {
      result = await deps.cancel.confirm({ attemptIds, userId: context.userId, reason });
    } catch (error) {
      logger.error({ err: error, attemptIds }, 'confirmation failed');
      await showStatus(context, userMessageFor(error, texts));
      return;
    }
    await report(context, result);
  }

  async function report(context: ReportContext, outcome: ConfirmResult): Promise<void> {
    const { texts } = context;
    switch (outcome.kind) {
      case 'duplicate':
        logger.info(
          { attemptId: outcome.record.attemptId, userId: context.userId },
          'duplicate confirmation ignored',
        );
        return;
      case 'finished': {
        // The chain's head belongs in the channel's copy, which Slack keeps; the dialog is the person's own.
        const message = buildOutcomeMessage({
          texts,
          record: outcome.record,
          environment: deps.environment,
          chainHead: null,
        });
        await showInModal(context, buildOutcomeModal(texts, message));
        return;
      }
      case 'batch_finished':
        await showStatus(context, texts.batchRunning(mentionChannel(outcome.records[0]!.channelId)));
        return;
      case 'awaiting_approval':
        await showStatus(context, texts.awaitingApproval(mentionChannel(outcome.records[0]!.channelId)));
        return;
      case 'nothing_to_cancel':
        await showStatus(context, texts.nothingToCancel);
        return;
      case 'busy': {
        const text = texts.busy(
          escapeMrkdwn(outcome.record.orderNo ?? ''),
          mentionUser(outcome.holderRequesterId),
        );
        await showStatus(context, text);
        await tellRequester(context.client, logger, {
          channelId: outcome.record.channelId,
          userId: context.userId,
          text,
        });
        return;
      }
      case 'denied':
        await showStatus(context, texts.denied[outcome.decision.reason](texts.askWhomDefault));
        return;
      case 'paused':
        await showStatus(context, haltNotice(texts, outcome.halt));
        return;
      case 'not_requester':
        await showStatus(context, texts.notRequester);
        return;
      case 'unknown_request':
        await showStatus(context, texts.unknownRequest);
        return;
    }
  }

  function showStatus(context: ReportContext, mrkdwn: string): Promise<void> {
    const { texts } = context;
    return showInModal(context, buildStatusModal({ texts, title: texts.modalTitle, mrkdwn }));
  }

  async function showInModal(context: ReportContext, modal: ModalView): Promise<void> {
    try {
      await deps.views.update({ viewId: context.viewId, view: modal });
    } catch (error) {
      // The person may have closed the modal; the outcome still reaches the channel through the notifier.
      logger.info(
        { slackError: slackErrorCode(error), viewId: context.viewId },
        'could not update the modal',
      );
    }
  }
}

interface ReportContext {
  client: WebClient;
  viewId: string;
  userId: string;
  texts: Texts;
}
