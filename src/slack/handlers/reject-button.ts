import type { BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { ApprovalService } from '../../core/approval-service.js';
import { slackErrorCode } from '../error-code.js';
import type { Seals } from '../private-metadata.js';
import type { Texts } from '../texts/index.js';
import { sealProblemText } from '../texts/seal-problem.js';
import { buildRejectModal } from '../views/reject-modal.js';
import { clickOrigin, tellActor } from './decision-context.js';
import { tellRefusal } from './decision-refusal.js';

type ActionArgs = Pick<SlackActionMiddlewareArgs<BlockAction<ButtonAction>>, 'ack' | 'body' | 'action'> & {
  client: WebClient;
};

/** Reject: only someone who may decide gets the small dialog asking why; anyone else is told privately. */
export function makeRejectButtonHandler(deps: {
  approvals: ApprovalService;
  texts: Texts;
  seals: Seals;
  logger: Logger;
}) {
  const { texts, logger } = deps;
  return async ({ ack, body, action, client }: ActionArgs): Promise<void> => {
    await ack();
    const origin = clickOrigin(body);
    const ref = deps.seals.open('approval', action.value);
    if (!ref.ok) {
      await tellActor(client, logger, origin, sealProblemText(texts, ref.problem));
      return;
    }
    const screened = await deps.approvals.screen({ attemptIds: ref.attemptIds, actorId: origin.userId });
    if (screened.kind !== 'may_decide') {
      await tellRefusal(client, logger, origin, texts, screened);
      return;
    }
    try {
      await client.views.open({
        trigger_id: origin.triggerId,
        view: buildRejectModal(texts, deps.seals.seal('reject', ref)),
      });
    } catch (error) {
      logger.warn({ slackError: slackErrorCode(error) }, 'could not open the reject dialog');
      await tellActor(
        client,
        logger,
        { ...origin, records: screened.records },
        texts.modalFailed(slackErrorCode(error)),
      );
    }
  };
}
