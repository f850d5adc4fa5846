import type { Logger } from 'pino';
import type { ApprovalService, DecisionResult } from '../../core/approval-service.js';
import type { HomePublisher } from '../home-publisher.js';
import type { Seals } from '../private-metadata.js';
import type { ReaderTexts } from '../reader-locales.js';
import { userMessageFor } from '../user-message.js';
import { type ButtonArgs, openApprovalClick, tellActor } from './decision-context.js';
import { tellRefusal } from './decision-refusal.js';

export interface ApproveButtonDeps {
  approvals: ApprovalService;
  publishHome: HomePublisher;
  /** The clicking person's language. */
  readers: ReaderTexts;
  seals: Seals;
  logger: Logger;
}

/**
 * Approve: acked at once; the decision, the cancels and every edit of the request message follow. A click
 * that changes nothing gets an explanation only its author sees (and is audited by the core).
 */
export function makeApproveButtonHandler(deps: ApproveButtonDeps) {
  const { logger } = deps;
  return async (args: ButtonArgs): Promise<void> => {
    const texts = deps.readers.for(args.body.user.id);
    const click = await openApprovalClick(args, { seals: deps.seals, texts, logger });
    if (!click) return;
    const { client } = args;
    const { origin, attemptIds } = click;
    let result: DecisionResult;
    try {
      result = await deps.approvals.approve({ attemptIds, actorId: origin.userId });
    } catch (error) {
      logger.error({ err: error, userId: origin.userId }, 'approval failed');
      const text = userMessageFor(error, texts);
      await tellActor(client, logger, origin, text);
      return;
    }
    if (result.kind !== 'decided') await tellRefusal(client, logger, origin, texts, result);
    if (origin.fromHome) await deps.publishHome(client, origin.userId);
  };
}
