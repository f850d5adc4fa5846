import { createHash } from 'node:crypto';
import type { AttemptRecord, AttemptState, RequestOrigin } from './ports/audit.js';
import { cancelBody, PURCHASE_STOCKIN_METHOD } from './purchase-stockin.js';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function newAttempt(fields: {
  attemptId: string;
  batchId: string;
  teamId: string | null;
  channelId: string;
  requesterId: string;
  orderNo: string | null;
  wdtHost: string;
  state: AttemptState;
  at: Date;
  detail?: string | null;
  origin?: RequestOrigin;
  /** The batch's size, when it has several orders. */
  batchSize?: number;
}): AttemptRecord {
  const origin = fields.origin;
  return {
    attemptId: fields.attemptId,
    batchId: fields.batchId,
    ...(fields.batchSize && fields.batchSize > 1 ? { batchSize: fields.batchSize } : {}),
    state: fields.state,
    stateTimes: { [fields.state]: fields.at.toISOString() },
    teamId: fields.teamId,
    channelId: fields.channelId,
    requesterId: fields.requesterId,
    approverIds: [],
    orderNo: fields.orderNo,
    reason: null,
    wdtHost: fields.wdtHost,
    method: PURCHASE_STOCKIN_METHOD.cancel,
    bodyDigest: fields.orderNo ? sha256Hex(cancelBody(fields.orderNo)) : null,
    wdtStatus: null,
    wdtCode: null,
    wdtMessage: null,
    wdtOutcome: null,
    durationMs: null,
    statusBefore: null,
    statusAfter: null,
    slackChannelId: null,
    slackTs: null,
    notifiedVia: null,
    detail: fields.detail ?? null,
    // Only when set, so that a slash command's record is the same as before these fields existed.
    ...(origin ? { entryPoint: origin.entryPoint } : {}),
    ...(origin?.threadTs ? { threadTs: origin.threadTs } : {}),
    ...(origin?.functionExecutionId ? { functionExecutionId: origin.functionExecutionId } : {}),
  };
}

/** A record moved to `state` at `at`, with the other fields patched. Records are values: never mutated. */
export function advance(
  record: AttemptRecord,
  state: AttemptState,
  at: Date,
  patch: Partial<Omit<AttemptRecord, 'state' | 'stateTimes' | 'attemptId'>> = {},
): AttemptRecord {
  return { ...record, ...patch, state, stateTimes: { ...record.stateTimes, [state]: at.toISOString() } };
}

export const FINAL_STATES: readonly AttemptState[] = [
  'cancelled',
  'refused',
  'failed',
  'unknown',
  'denied',
  'rejected',
  'expired',
  'reconciled_cancelled',
  'reconciled_not_cancelled',
  'released_unverified',
];
