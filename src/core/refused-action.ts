import { newAttempt } from './attempt.js';
import type { AttemptRecord } from './ports/audit.js';

/**
 * The audit record of an action on a batch that was refused and changed nothing (a stranger's confirmation,
 * a refused approval click): its own `denied` attempt in the same batch, with the actor as its requester.
 */
export function refusedActionRecord(args: {
  records: readonly AttemptRecord[];
  actorId: string;
  detail: string;
  attemptId: string;
  at: Date;
}): AttemptRecord {
  const first = args.records[0]!;
  return newAttempt({
    attemptId: args.attemptId,
    batchId: first.batchId,
    teamId: first.teamId,
    channelId: first.channelId,
    requesterId: args.actorId,
    orderNo: args.records
      .map((r) => r.orderNo)
      .join(' ')
      .slice(0, 600),
    wdtHost: first.wdtHost,
    state: 'denied',
    at: args.at,
    detail: args.detail,
  });
}
