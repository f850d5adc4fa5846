import type { KnownBlock, ModalView } from '@slack/types';
import type { AttemptRecord } from '../../core/ports/audit.js';
import type { WdtEnvironment } from '../../core/ports/wdt.js';
import { LIMITS, truncate } from '../block-kit-limits.js';
import { ConfirmModal, REASON_MAX_LENGTH } from '../ids.js';
import { escapeMrkdwn, mentionChannel } from '../mrkdwn.js';
import type { Texts } from '../texts/index.js';

export function environmentLabel(texts: Texts, environment: WdtEnvironment): string {
  return `${texts.environmentKinds[environment.kind]} (${environment.host})`;
}

export function plain(text: string, max: number) {
  return { type: 'plain_text' as const, text: truncate(text, max), emoji: true };
}

export function buildConfirmModal(args: {
  texts: Texts;
  attempt: AttemptRecord;
  environment: WdtEnvironment;
  privateMetadata: string;
}): ModalView {
  const { texts, attempt, environment } = args;
  const production = environment.kind === 'production';
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(texts.modalIntro, LIMITS.sectionText) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*${texts.labelOrder}*\n${escapeMrkdwn(attempt.orderNo ?? '')}` },
        {
          type: 'mrkdwn',
          text: `*${texts.labelEnvironment}*\n${production ? ':warning: ' : ''}${escapeMrkdwn(environmentLabel(texts, environment))}`,
        },
        { type: 'mrkdwn', text: `*${texts.labelOutcomeChannel}*\n${mentionChannel(attempt.channelId)}` },
      ],
    },
    {
      type: 'input',
      block_id: ConfirmModal.reasonBlock,
      label: plain(texts.labelReason, 2000),
      hint: plain(texts.reasonHint, 2000),
      element: {
        type: 'plain_text_input',
        action_id: ConfirmModal.reasonAction,
        multiline: true,
        min_length: 1,
        max_length: REASON_MAX_LENGTH,
        placeholder: plain(texts.reasonPlaceholder, 150),
      },
    },
  ];
  return {
    type: 'modal',
    callback_id: ConfirmModal.callbackId,
    title: plain(texts.modalTitle, LIMITS.modalTitle),
    submit: plain(texts.modalSubmit, LIMITS.modalButton),
    close: plain(texts.modalClose, LIMITS.modalButton),
    notify_on_close: false,
    private_metadata: args.privateMetadata,
    blocks,
  };
}
