import type { MessageShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { InFlight } from '../../core/in-flight.js';
import { findOrderNumbers } from '../../core/order-number.js';
import type { CommandAdmission } from '../command-admission.js';
import { slackErrorCode } from '../error-code.js';
import { messageTexts } from '../message-text.js';
import type { OpenConfirmation } from '../open-confirmation.js';
import type { ReaderTexts } from '../reader-locales.js';
import { buildStatusModal } from '../views/status-modal.js';
import type { SlackViews } from '../views-client.js';

export interface MessageShortcutDeps {
  openConfirmation: OpenConfirmation;
  readers: ReaderTexts;
  views: SlackViews;
  maxOrders: number;
  inFlight: InFlight;
  admission: CommandAdmission;
  logger: Logger;
}

type MessageShortcutArgs = Pick<SlackShortcutMiddlewareArgs<MessageShortcut>, 'shortcut' | 'ack' | 'respond'>;

/**
 * "Cancel stock-in order…" on a message: the order numbers written in it (text, blocks, legacy attachments) go through the
 * same dialog as the command's, and the outcome is posted in the message's thread. A message with no number,
 * or with hidden characters or too many numbers, gets a dialog that says so; nothing is recorded for it,
 * as for a mistyped command.
 */
export function makeMessageShortcutHandler(deps: MessageShortcutDeps) {
  const { logger } = deps;
  let preparing = 0;
  return async ({ shortcut, ack, respond }: MessageShortcutArgs): Promise<void> => {
    await ack();
    const userId = shortcut.user.id;
    const texts = deps.readers.for(userId);
    const tell = (text: string) =>
      respond({ response_type: 'ephemeral', text, replace_original: false }).catch((error: unknown) =>
        logger.warn({ slackError: slackErrorCode(error) }, 'could not reply privately to a message shortcut'),
      );
    const scan = findOrderNumbers(messageTexts(shortcut.message), deps.maxOrders);
    if (scan.kind !== 'orders') {
      const text =
        scan.kind === 'none' ? texts.noOrdersInMessage : texts.invalid[scan.problem]('', deps.maxOrders);
      try {
        await deps.views.open(
          shortcut.trigger_id,
          buildStatusModal({ texts, title: texts.modalTitle, mrkdwn: text }),
        );
      } catch (error) {
        logger.info({ slackError: slackErrorCode(error) }, 'could not open the no-order dialog');
        await tell(text);
      }
      deps.readers.warm(userId);
      return;
    }
    if (!deps.inFlight.accepting || !deps.admission.admit(preparing)) {
      await tell(deps.inFlight.accepting ? texts.tooBusy : texts.shuttingDown);
      return;
    }
    preparing++;
    try {
      await deps.inFlight.track(
        deps.openConfirmation({
          texts,
          dialog: { kind: 'trigger', triggerId: shortcut.trigger_id },
          teamId: shortcut.team?.id ?? null,
          channelId: shortcut.channel.id,
          userId,
          orderNos: scan.orderNos,
          origin: {
            entryPoint: 'message_shortcut',
            threadTs: String(shortcut.message.thread_ts ?? shortcut.message.ts),
          },
          tell,
        }),
      );
    } finally {
      preparing--;
    }
    deps.readers.warm(userId);
  };
}
