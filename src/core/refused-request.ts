import { newAttempt } from './attempt.js';
import type { AuditStore } from './ports/audit.js';
import type { Clock } from './ports/clock.js';

export interface RefusedRequest {
  teamId: string | null;
  channelId: string;
  userId: string;
  /** The order the refused request named, if any: `audit show RK…` then lists the refusal with its history. */
  orderNo?: string | null;
  /** Why, with the ids that did not match (never a secret). */
  detail: string;
}

/**
 * Records a request refused before any work (from a workspace, organisation or app the bot is not bound to,
 * an operator command from someone who is not an admin, an unlock that changed nothing) as a `denied`
 * attempt: the audit trail shows who tried what from where.
 */
export function makeRefusedRequestRecorder(deps: {
  audit: Pick<AuditStore, 'write'>;
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
      orderNo: request.orderNo ?? null,
      wdtHost: deps.wdtHost,
      state: 'denied',
      at,
      detail: request.detail,
    });
    const written = await deps.audit.write([{ from: null, record }], at);
    if (!written.ok) throw new Error(`refused request ${attemptId} already recorded`);
  };
}
