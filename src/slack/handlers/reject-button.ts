import type { Logger } from 'pino';
import type { ApprovalService } from '../../core/approval-service.js';
import { slackErrorCode } from '../error-code.js';
import type { Seals } from '../private-metadata.js';
import type { ReaderTexts } from '../reader-locales.js';
import { buildRejectModal } from '../views/reject-modal.js';
import { type ButtonArgs, openApprovalClick, tellActor } from './decision-context.js';
import { tellRefusal } from './decision-refusal.js';

/** Reject: only someone who may decide gets the small dialog asking why; anyone else is told privately. */
export function makeRejectButtonHandler(deps: {
  approvals: ApprovalService;
  /** The clicking person's language. */
  readers: ReaderTexts;
  seals: Seals;
  logger: Logger;
}) {
  const { logger } = deps;
  return async (args: ButtonArgs): Promise<void> => {
    const texts = deps.readers.for(args.body.user.id);
    const click = await openApprovalClick(args, { seals: deps.seals, texts, logger });
    if (!click) return;
    const { client } = args;
    const { origin, attemptIds } = click;
    const screened = await deps.approvals.screen({ attemptIds, actorId: origin.userId });
    if (screened.kind !== 'may_decide') {
      await tellRefusal(client, logger, origin, texts, screened);
      return;
    }
    try {
      await client.views.open({
        trigger_id: origin.triggerId,
        view: buildRejectModal(texts, deps.seals.seal('reject', { attemptIds })),
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
