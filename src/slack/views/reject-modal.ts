import type { ModalView } from '@slack/types';
import { LIMITS } from '../block-kit-limits.js';
import { REASON_MAX_LENGTH, RejectModal } from '../ids.js';
import type { Texts } from '../texts/index.js';
import { plain } from './text-objects.js';

/** The small dialog a Reject click opens: why, then the decision is taken on submit. */
export function buildRejectModal(texts: Texts, privateMetadata: string): ModalView {
  return {
    type: 'modal',
    callback_id: RejectModal.callbackId,
    title: plain(texts.rejectModalTitle, LIMITS.modalTitle),
    submit: plain(texts.rejectSubmit, LIMITS.modalButton),
    close: plain(texts.modalClose, LIMITS.modalButton),
    private_metadata: privateMetadata,
    blocks: [
      {
        type: 'input',
        block_id: RejectModal.reasonBlock,
        label: plain(texts.rejectReasonLabel, 2000),
        element: {
          type: 'plain_text_input',
          action_id: RejectModal.reasonAction,
          multiline: true,
          min_length: 1,
          max_length: REASON_MAX_LENGTH,
          placeholder: plain(texts.rejectReasonPlaceholder, 150),
        },
      },
    ],
  };
}
