import type { AttemptRecord } from '../../src/core/ports/audit.js';
import { PURCHASE_STOCKIN_METHOD } from '../../src/core/purchase-stockin.js';

let counter = 0;

/** A complete, plausible attempt snapshot; each call gets fresh attempt and batch ids unless overridden. */
export function buildRecord(overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  counter += 1;
  const attemptId = overrides.attemptId ?? `01TESTATTEMPT${String(counter).padStart(13, '0')}`;
  const state = overrides.state ?? 'requested';
  return {
    attemptId,
    batchId: attemptId,
    state,
    stateTimes: { [state]: '2024-05-01T04:00:00.000Z' },
    teamId: 'T0TEAM',
    channelId: 'C0OPS',
    requesterId: 'U0REQUESTER',
    approverIds: [],
    orderNo: `RK2024050100${String(counter).padStart(4, '0')}`,
    reason: '供应商重复入库',
    wdtHost: 'sandbox.wangdian.cn',
    method: PURCHASE_STOCKIN_METHOD.cancel,
    bodyDigest: null,
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
    detail: null,
    ...overrides,
  };
}
