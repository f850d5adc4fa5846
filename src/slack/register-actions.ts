import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { makeApproveActionHandler } from './handlers/approve-action.js';
import type { makeRejectActionHandler } from './handlers/reject-action.js';
import { Approval } from './ids.js';

const APPROVAL_ACTION_ID = new RegExp(`^(?:${Approval.approveAction}|${Approval.rejectAction})$`);

/** Both approval buttons on one listener (each listener is paid on every request; see register-views). */
export function registerActions(
  app: App,
  handlers: {
    approve: ReturnType<typeof makeApproveActionHandler>;
    reject: ReturnType<typeof makeRejectActionHandler>;
  },
): void {
  app.action<BlockAction<ButtonAction>>({ action_id: APPROVAL_ACTION_ID, type: 'block_actions' }, (args) =>
    args.action.action_id === Approval.approveAction ? handlers.approve(args) : handlers.reject(args),
  );
}
