import type { App, ViewSubmitAction } from '@slack/bolt';
import type { makeConfirmSubmissionHandler } from './handlers/confirm-submission.js';
import type { makeRejectSubmissionHandler } from './handlers/reject-submission.js';
import type { makeUnknownViewHandler } from './handlers/unknown-view.js';
import { ConfirmModal, KNOWN_VIEW_CALLBACK_IDS, RejectModal } from './ids.js';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Every callback id this app does not register, so such a submission gets an answer instead of a timeout. */
const UNKNOWN_CALLBACK_ID = new RegExp(`^(?!(?:${KNOWN_VIEW_CALLBACK_IDS.map(escapeRegExp).join('|')})$)`);

export function registerViews(
  app: App,
  handlers: {
    confirm: ReturnType<typeof makeConfirmSubmissionHandler>;
    reject: ReturnType<typeof makeRejectSubmissionHandler>;
    unknown: ReturnType<typeof makeUnknownViewHandler>;
  },
): void {
  app.view<ViewSubmitAction>(
    { callback_id: ConfirmModal.callbackId, type: 'view_submission' },
    handlers.confirm,
  );
  app.view<ViewSubmitAction>(
    { callback_id: RejectModal.callbackId, type: 'view_submission' },
    handlers.reject,
  );
  app.view<ViewSubmitAction>({ callback_id: UNKNOWN_CALLBACK_ID, type: 'view_submission' }, handlers.unknown);
}
