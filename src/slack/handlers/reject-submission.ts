import type { SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ApprovalService, DecisionResult } from '../../core/approval-service.js';
import { REASON_MAX_LENGTH, RejectModal } from '../ids.js';
import type { Seals } from '../private-metadata.js';
import type { ReaderTexts } from '../reader-locales.js';
import { sealProblemText } from '../texts/seal-problem.js';
import { userMessageFor } from '../user-message.js';
import { tellActor } from './decision-context.js';
import { tellRefusal } from './decision-refusal.js';

type SubmitArgs = Pick<SlackViewMiddlewareArgs<ViewSubmitAction>, 'ack' | 'body' | 'view'> & {
  client: WebClient;
};

const reasonSchema = z.object({
  [RejectModal.reasonBlock]: z.object({
    [RejectModal.reasonAction]: z.object({ value: z.string().nullable().optional() }),
  }),
});

/** The reject dialog's submit: a reason is required; the decision is then taken (at most once). */
export function makeRejectSubmissionHandler(deps: {
  approvals: ApprovalService;
  /** The clicking person's language. */
  readers: ReaderTexts;
  seals: Seals;
  logger: Logger;
}) {
  const { logger } = deps;
  return async ({ ack, body, view, client }: SubmitArgs): Promise<void> => {
    const texts = deps.readers.for(body.user.id);
    const ref = deps.seals.open('reject', view.private_metadata);
    const state = reasonSchema.safeParse(view.state?.values);
    const reason = state.success
      ? (state.data[RejectModal.reasonBlock][RejectModal.reasonAction].value ?? '').trim()
      : '';
    if (!ref.ok || reason.length === 0 || Array.from(reason).length > REASON_MAX_LENGTH) {
      const error = !ref.ok
        ? sealProblemText(texts, ref.problem)
        : reason
          ? texts.reasonTooLong(REASON_MAX_LENGTH)
          : texts.reasonRequired;
      await ack({ response_action: 'errors', errors: { [RejectModal.reasonBlock]: error } });
      return;
    }
    await ack();
    const actor = { userId: body.user.id, channelId: null };
    let result: DecisionResult;
    try {
      result = await deps.approvals.reject({ attemptIds: ref.attemptIds, actorId: body.user.id, reason });
    } catch (error) {
      logger.error({ err: error, userId: body.user.id }, 'rejection failed');
      await tellActor(client, logger, actor, userMessageFor(error, texts));
      return;
    }
    if (result.kind !== 'decided') await tellRefusal(client, logger, actor, texts, result);
  };
}
