import type { BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { ApprovalService, DecisionResult } from '../../core/approval-service.js';
import type { HomePublisher } from '../home-publisher.js';
import type { Seals } from '../private-metadata.js';
import type { Texts } from '../texts/index.js';
import { sealProblemText } from '../texts/seal-problem.js';
import { userMessageFor } from '../user-message.js';
import { clickOrigin, tellActor } from './decision-context.js';
import { tellRefusal } from './decision-refusal.js';

export interface ApproveButtonDeps {
  approvals: ApprovalService;
  publishHome: HomePublisher;
  texts: Texts;
  seals: Seals;
  logger: Logger;
}

type ActionArgs = Pick<SlackActionMiddlewareArgs<BlockAction<ButtonAction>>, 'ack' | 'body' | 'action'> & {
  client: WebClient;
};

/**
 * Approve: acked at once; the decision, the cancels and every edit of the request message follow. A click
 * that changes nothing gets an explanation only its author sees (and is audited by the core).
 */
export function makeApproveButtonHandler(deps: ApproveButtonDeps) {
  const { texts, logger } = deps;
  return async ({ ack, body, action, client }: ActionArgs): Promise<void> => {
    await ack();
    const origin = clickOrigin(body);
    const ref = deps.seals.open('approval', action.value);
    if (!ref.ok) {
      await tellActor(client, logger, origin, sealProblemText(texts, ref.problem));
      return;
    }
    let result: DecisionResult;
    try {
      result = await deps.approvals.approve({ attemptIds: ref.attemptIds, actorId: origin.userId });
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
