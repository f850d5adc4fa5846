import type { SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Texts } from '../texts/index.js';
import { buildStatusModal } from '../views/status-modal.js';

/** A submission of a dialog this bot does not know (stale, forged, or from an older version): changes nothing. */
export function makeUnknownViewHandler(deps: { texts: Texts; logger: Logger }) {
  return async ({
    ack,
    body,
    view,
  }: Pick<SlackViewMiddlewareArgs<ViewSubmitAction>, 'ack' | 'body' | 'view'>) => {
    deps.logger.warn(
      { userId: body.user?.id, callbackId: String(view.callback_id).slice(0, 80) },
      'unknown view submitted',
    );
    await ack({
      response_action: 'update',
      view: buildStatusModal({
        texts: deps.texts,
        title: deps.texts.modalTitle,
        mrkdwn: deps.texts.unknownRequest,
      }),
    });
  };
}
