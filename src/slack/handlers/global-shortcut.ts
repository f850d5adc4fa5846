import type {
  GlobalShortcut as GlobalShortcutPayload,
  SlackShortcutMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { InFlight } from '../../core/in-flight.js';
import { parseOrderList } from '../../core/order-number.js';
import type { CommandAdmission } from '../command-admission.js';
import { slackErrorCode } from '../error-code.js';
import { GlobalShortcut } from '../ids.js';
import { quoteUserText } from '../mrkdwn.js';
import type { OpenConfirmation } from '../open-confirmation.js';
import type { ReaderTexts } from '../reader-locales.js';
import type { Texts } from '../texts/index.js';
import { buildLoadingModal } from '../views/confirmation-dialog.js';
import { buildGlobalShortcutModal } from '../views/global-shortcut-modal.js';
import { buildStatusModal } from '../views/status-modal.js';
import type { SlackViews } from '../views-client.js';

export interface GlobalShortcutDeps {
  openConfirmation: OpenConfirmation;
  readers: ReaderTexts;
  views: SlackViews;
  maxOrders: number;
  /** CANCEL_ALLOWED_CHANNELS: the first is offered as where the outcome goes. */
  allowedChannels: readonly string[];
  inFlight: InFlight;
  admission: CommandAdmission;
  logger: Logger;
}

type ShortcutArgs = Pick<SlackShortcutMiddlewareArgs<GlobalShortcutPayload>, 'shortcut' | 'ack'>;
type SubmissionArgs = Pick<SlackViewMiddlewareArgs<ViewSubmitAction>, 'ack' | 'body' | 'view'>;

const inputSchema = z.object({
  [GlobalShortcut.ordersBlock]: z.object({
    [GlobalShortcut.ordersAction]: z.object({ value: z.string().nullable().optional() }),
  }),
  [GlobalShortcut.channelBlock]: z.object({
    [GlobalShortcut.channelAction]: z.object({ selected_conversation: z.string().nullable().optional() }),
  }),
});

/** "Cancel stock-in order" from the shortcuts menu: opens the dialog that asks for numbers and a channel. */
export function makeGlobalShortcutHandler(deps: GlobalShortcutDeps) {
  return async ({ shortcut, ack }: ShortcutArgs): Promise<void> => {
    await ack();
    const texts = deps.readers.for(shortcut.user.id);
    try {
      await deps.views.open(
        shortcut.trigger_id,
        buildGlobalShortcutModal({
          texts,
          maxOrders: deps.maxOrders,
          defaultChannelId: deps.allowedChannels[0],
        }),
      );
    } catch (error) {
      deps.logger.warn({ slackError: slackErrorCode(error) }, 'could not open the global shortcut dialog');
    }
    deps.readers.warm(shortcut.user.id);
  };
}

/**
 * The numbers and channel typed in that dialog: parsed with the command's parser and answered in the ack
 * (field errors), then the same request, preview and confirmation as the command, in the same dialog.
 */
export function makeGlobalShortcutSubmissionHandler(deps: GlobalShortcutDeps) {
  const { logger } = deps;
  let preparing = 0;
  return async ({ ack, body, view }: SubmissionArgs): Promise<void> => {
    const userId = body.user.id;
    const texts = deps.readers.for(userId);
    const state = inputSchema.safeParse(view.state?.values);
    if (!state.success) {
      logger.warn({ userId }, 'refused a malformed global shortcut submission');
      await ack({
        response_action: 'errors',
        errors: { [GlobalShortcut.ordersBlock]: texts.unknownRequest },
      });
      return;
    }
    const raw = state.data[GlobalShortcut.ordersBlock][GlobalShortcut.ordersAction].value ?? '';
    const channelId =
      state.data[GlobalShortcut.channelBlock][GlobalShortcut.channelAction].selected_conversation;
    const parsed = parseOrderList(raw, deps.maxOrders);
    const problem = ordersProblem(texts, parsed, deps.maxOrders);
    if (problem !== null || parsed.kind !== 'orders') {
      await ack({ response_action: 'errors', errors: { [GlobalShortcut.ordersBlock]: problem ?? '' } });
      return;
    }
    if (!channelId) {
      await ack({
        response_action: 'errors',
        errors: { [GlobalShortcut.channelBlock]: texts.unknownRequest },
      });
      return;
    }
    if (!deps.inFlight.accepting || !deps.admission.admit(preparing)) {
      const text = deps.inFlight.accepting ? texts.tooBusy : texts.shuttingDown;
      await ack({
        response_action: 'update',
        view: buildStatusModal({ texts, title: texts.modalTitle, mrkdwn: text }),
      });
      return;
    }
    await ack({ response_action: 'update', view: buildLoadingModal(texts, parsed.orderNos) });
    const showInDialog = async (text: string) => {
      try {
        await deps.views.update({
          viewId: view.id,
          view: buildStatusModal({ texts, title: texts.modalTitle, mrkdwn: text }),
        });
      } catch (error) {
        logger.info({ slackError: slackErrorCode(error), viewId: view.id }, 'could not update the dialog');
      }
    };
    preparing++;
    try {
      await deps.inFlight.track(
        deps.openConfirmation({
          texts,
          dialog: { kind: 'shown', viewId: view.id },
          teamId: body.team?.id ?? null,
          channelId,
          userId,
          orderNos: parsed.orderNos,
          origin: { entryPoint: 'global_shortcut' },
          tell: showInDialog,
        }),
      );
    } finally {
      preparing--;
    }
  };
}

function ordersProblem(texts: Texts, parsed: ReturnType<typeof parseOrderList>, max: number): string | null {
  switch (parsed.kind) {
    case 'orders':
      return null;
    case 'help':
      return texts.ordersRequired;
    case 'invalid':
      return texts.invalid[parsed.problem](quoteUserText(parsed.sample ?? ''), max);
  }
}
