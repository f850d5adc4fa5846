import type { App, ViewSubmitAction } from '@slack/bolt';
import type { makeConfirmSubmissionHandler } from './handlers/confirm-submission.js';
import { ConfirmModal } from './ids.js';

export function registerViews(
  app: App,
  handlers: { confirm: ReturnType<typeof makeConfirmSubmissionHandler> },
): void {
  app.view<ViewSubmitAction>(
    { callback_id: ConfirmModal.callbackId, type: 'view_submission' },
    handlers.confirm,
  );
}
