import type { Logger } from 'pino';
import type { OperatorCommand } from '../../core/order-number.js';
import type { UnlockOrder, UnlockResult } from '../../core/unlock-order.js';
import { formatUtcAndShanghai } from '../format-time.js';
import { mentionChannel, mentionUser } from '../mrkdwn.js';
import type { Texts } from '../texts/index.js';
import type { OperatorCommandArgs } from './slash-command.js';

export type UnlockCommandArgs = OperatorCommandArgs & {
  parsed: Extract<OperatorCommand, { kind: 'unlock' }>;
};

/**
 * `/cancel-stockin unlock RK… [reason]`, once the operator gate has let the admin through: releases the
 * order if no live process is calling WDT for it, and tells the admin what happened (ephemeral).
 */
export function makeUnlockCommandHandler(deps: { unlockOrder: UnlockOrder; logger: Logger }) {
  return async ({ parsed, command, respond, texts }: UnlockCommandArgs): Promise<void> => {
    let text: string;
    try {
      const result = await deps.unlockOrder({
        orderNo: parsed.orderNo,
        adminId: command.user_id,
        teamId: command.team_id ?? null,
        channelId: command.channel_id,
        reason: parsed.reason,
      });
      text = answerFor(texts, parsed.orderNo, result);
    } catch (error) {
      deps.logger.error({ err: error, orderNo: parsed.orderNo }, 'unlock failed');
      text = texts.unlock.failed(parsed.orderNo);
    }
    await respond({ response_type: 'ephemeral', text });
  };
}

function answerFor(texts: Texts, orderNo: string, result: UnlockResult): string {
  switch (result.kind) {
    case 'not_locked':
      return texts.unlock.notLocked(orderNo);
    case 'in_progress':
      return texts.unlock.inProgress(orderNo, mentionUser(result.lock.requesterId));
    case 'cannot_tell':
      return texts.unlock.cannotTell(orderNo);
    case 'reason_required':
      return texts.unlock.reasonRequired(orderNo);
    case 'already_released':
      return texts.unlock.alreadyReleased(orderNo);
    case 'held_until':
      return texts.unlock.heldUntil(orderNo, formatUtcAndShanghai(result.until));
    case 'released':
      return texts.unlock.released(
        orderNo,
        texts.stateHeadline[result.record.state],
        mentionChannel(result.record.channelId),
      );
  }
}
