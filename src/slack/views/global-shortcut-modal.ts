import type { ModalView } from '@slack/types';
import { MAX_COMMAND_TEXT_LENGTH } from '../../core/order-number.js';
import { LIMITS } from '../block-kit-limits.js';
import { GlobalShortcut } from '../ids.js';
import type { Texts } from '../texts/index.js';
import { plain } from './text-objects.js';

/**
 * The global shortcut's first dialog: the order numbers and the channel the outcome goes to (the first
 * allowed channel when CANCEL_ALLOWED_CHANNELS is set). Its submission leads to the confirmation dialog.
 */
export function buildGlobalShortcutModal(args: {
  texts: Texts;
  maxOrders: number;
  defaultChannelId: string | undefined;
}): ModalView {
  const { texts } = args;
  return {
    type: 'modal',
    callback_id: GlobalShortcut.modalCallbackId,
    title: plain(texts.modalTitle, LIMITS.modalTitle),
    submit: plain(texts.globalNext, LIMITS.modalButton),
    close: plain(texts.modalClose, LIMITS.modalButton),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: texts.globalIntro } },
      {
        type: 'input',
        block_id: GlobalShortcut.ordersBlock,
        label: plain(texts.labelOrderNumbers, 2000),
        hint: plain(texts.orderNumbersHint(args.maxOrders), 2000),
        element: {
          type: 'plain_text_input',
          action_id: GlobalShortcut.ordersAction,
          multiline: true,
          max_length: MAX_COMMAND_TEXT_LENGTH,
          placeholder: plain(texts.orderNumbersPlaceholder, 150),
        },
      },
      {
        type: 'input',
        block_id: GlobalShortcut.channelBlock,
        label: plain(texts.labelOutcomeChannel, 2000),
        element: {
          type: 'conversations_select',
          action_id: GlobalShortcut.channelAction,
          filter: { include: ['public', 'private'], exclude_bot_users: true },
          ...(args.defaultChannelId ? { initial_conversation: args.defaultChannelId } : {}),
        },
      },
    ],
  };
}
