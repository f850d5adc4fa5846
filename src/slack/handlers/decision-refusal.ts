import type { Refusal } from '../../core/approval-service.js';
import type { Texts } from '../texts/index.js';

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
  }
}
