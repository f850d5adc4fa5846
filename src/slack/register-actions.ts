import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { makeApproveActionHandler } from './handlers/approve-action.js';
import type { makeRejectActionHandler } from './handlers/reject-action.js';
import { Approval } from './ids.js';

export function registerActions(
  app: App,
  handlers: {
    approve: ReturnType<typeof makeApproveActionHandler>;
    reject: ReturnType<typeof makeRejectActionHandler>;
  },
): void {
  app.action<BlockAction<ButtonAction>>(
    { action_id: Approval.approveAction, type: 'block_actions' },
    handlers.approve,
  );
  app.action<BlockAction<ButtonAction>>(
    { action_id: Approval.rejectAction, type: 'block_actions' },
    handlers.reject,
  );
}
