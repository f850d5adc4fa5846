import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Refusal } from '../../core/approval-service.js';
import { approvalHaltNotice } from '../pause-notice.js';
import type { Texts } from '../texts/index.js';
import { tellActor } from './decision-context.js';

/** What to tell the person whose Approve / Reject click changed nothing. */
export function refusalText(texts: Texts, refusal: Refusal): string {
  switch (refusal.kind) {
    case 'unknown_request':
      return texts.unknownRequest;
    case 'already_decided':
      return texts.alreadyDecided;
    case 'expired':
      return texts.approvalExpired;
    case 'self_approval':
      return texts.selfApproval;
    case 'not_approver':
      return texts.notApprover;
    case 'requester_not_allowed':
      return texts.requesterNoLongerAllowed;
    case 'paused':
      return approvalHaltNotice(texts, refusal.halt);
  }
}

/** Tells the clicker why nothing changed, in the request's channel when the refusal knows it. */
export function tellRefusal(
  client: WebClient,
  logger: Logger,
  actor: { userId: string; channelId: string | null },
  texts: Texts,
  refusal: Refusal,
) {
  const records = 'records' in refusal ? refusal.records : undefined;
  return tellActor(
    client,
    logger,
    { ...actor, ...(records ? { records } : {}) },
    refusalText(texts, refusal),
  );
}
