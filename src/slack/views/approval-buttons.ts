import type { ActionsBlock } from '@slack/types';
import { Approval } from '../ids.js';
import type { Texts } from '../texts/index.js';
import { plain } from './text-objects.js';

/** Approve / Reject, carrying the sealed attempt ids; the same block in the channel and in App Home. */
export function buildApprovalButtons(
  texts: Texts,
  sealedRef: string,
  blockId: string = Approval.actionsBlock,
) {
  const block: ActionsBlock = {
    type: 'actions',
    block_id: blockId,
    elements: [
      {
        type: 'button',
        action_id: Approval.approveAction,
        style: 'primary',
        text: plain(texts.approveButton, 75),
        value: sealedRef,
      },
      {
        type: 'button',
        action_id: Approval.rejectAction,
        style: 'danger',
        text: plain(texts.rejectButton, 75),
        value: sealedRef,
      },
    ],
  };
  return block;
}
