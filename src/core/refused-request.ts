import { newAttempt } from './attempt.js';
import type { AuditStore } from './ports/audit.js';
import type { Clock } from './ports/clock.js';

export interface RefusedRequest {
  teamId: string | null;
  channelId: string;
  userId: string;
  /** Why, with the ids that did not match (never a secret). */
  detail: string;
}

/**
 * Records a request refused before any work (it came from a workspace, organisation or app the bot is not
 * bound to) as a `denied` attempt with no order: the audit trail shows who tried from where.
 */
export function makeRefusedRequestRecorder(deps: {
  audit: Pick<AuditStore, 'append'>;
  clock: Clock;
  newId: () => string;
  wdtHost: string;
}) {
  return async (request: RefusedRequest): Promise<void> => {
    const at = deps.clock.now();
    const attemptId = deps.newId();
    const record = newAttempt({
      attemptId,
      batchId: attemptId,
      teamId: request.teamId,
      channelId: request.channelId,
      requesterId: request.userId,
      orderNo: null,
      wdtHost: deps.wdtHost,
      state: 'denied',
      at,
      detail: request.detail,
    });
    await deps.audit.append('denied', record, at);
  };
}
