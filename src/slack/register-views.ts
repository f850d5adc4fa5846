import type { App, ViewSubmitAction } from '@slack/bolt';
import type { makeConfirmSubmissionHandler } from './handlers/confirm-submission.js';
import type { makeRejectSubmissionHandler } from './handlers/reject-submission.js';
import type { makeUnknownViewHandler } from './handlers/unknown-view.js';
import { ConfirmModal, RejectModal } from './ids.js';

/**
 * One listener for every view submission, dispatched on the callback id; anything this app does not know
 * gets an answer instead of a timeout. One listener, not one per view: Bolt runs every listener's matching
 * chain for every request, slash commands included, so each extra listener is paid on every ack.
 */
export function registerViews(
  app: App,
  handlers: {
    confirm: ReturnType<typeof makeConfirmSubmissionHandler>;
    reject: ReturnType<typeof makeRejectSubmissionHandler>;
    unknown: ReturnType<typeof makeUnknownViewHandler>;
  },
): void {
  app.view<ViewSubmitAction>({ type: 'view_submission' }, (args) => {
    switch (args.view.callback_id) {
      case ConfirmModal.callbackId:
        return handlers.confirm(args);
      case RejectModal.callbackId:
        return handlers.reject(args);
      default:
        return handlers.unknown(args);
    }
  });
}
