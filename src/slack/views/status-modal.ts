import type { ModalView } from '@slack/types';
import { LIMITS, truncate } from '../block-kit-limits.js';
import { StatusModal } from '../ids.js';
import type { Texts } from '../texts/index.js';
import type { OutcomeMessage } from './outcome-message.js';
import { plain } from './text-objects.js';

/** A modal with no inputs: "Cancelling…" while the call runs, then the outcome or an explanation. */
export function buildStatusModal(args: { texts: Texts; title: string; mrkdwn: string }): ModalView {
  return {
    type: 'modal',
    callback_id: StatusModal.callbackId,
    title: plain(args.title, LIMITS.modalTitle),
    close: plain(args.texts.modalDone, LIMITS.modalButton),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(args.mrkdwn, LIMITS.sectionText) } }],
  };
}

export function buildOutcomeModal(texts: Texts, message: OutcomeMessage): ModalView {
  return {
    type: 'modal',
    callback_id: StatusModal.callbackId,
    title: plain(texts.modalTitle, LIMITS.modalTitle),
    close: plain(texts.modalDone, LIMITS.modalButton),
    blocks: message.blocks,
  };
}
