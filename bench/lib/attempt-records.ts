import { newAttempt } from '../../src/core/attempt.js';
import type { AttemptRecord } from '../../src/core/ports/audit.js';

/** A `requested` attempt like the one the slash command appends, with a unique id. */
export function requestedAttempt(index: number, at: Date): AttemptRecord {
  const id = `01BENCH${String(index).padStart(19, '0')}`;
  return newAttempt({
    attemptId: id,
    batchId: id,
    teamId: 'T0STANDIN',
    channelId: 'C0STOCKOPS',
    requesterId: 'U0OPERATOR1',
    orderNo: `RK8${String(index).padStart(9, '0')}`,
    wdtHost: '127.0.0.1',
    state: 'requested',
    at,
  });
}
