import type { AttemptRecord, AttemptState, AuditEntry, AuditStore } from '../../src/core/ports/audit.js';
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

/**
 * Writes `records` as one attempt's history, each a transition from the state before it (the first from
 * `after`, by default a new attempt), one write each; resolves with the entries. Fails the test on any conflict.
 */
export async function writeHistory(
  store: Pick<AuditStore, 'write'>,
  records: readonly AttemptRecord[],
  at: (index: number) => Date = (index) => new Date(Date.parse('2024-05-01T04:00:00.000Z') + index * 60_000),
  after: AttemptState | null = null,
): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let from: AttemptState | null = after;
  for (const [index, record] of records.entries()) {
    const result = await store.write([{ from, record }], at(index));
    if (!result.ok)
      throw new Error(`writeHistory: ${from ?? '(new)'} → ${record.state}: ${result.conflict.kind}`);
    entries.push(...result.entries);
    from = record.state;
  }
  return entries;
}

/** `record` moved to `state`, with other fields patched. */
export function moved(
  record: AttemptRecord,
  state: AttemptState,
  patch: Partial<Omit<AttemptRecord, 'state' | 'attemptId'>> = {},
): AttemptRecord {
  return { ...record, ...patch, state };
}

/** A new attempt (`buildRecord(overrides)`) taken through `states`, one write each; resolves with its last record. */
export async function attemptIn(
  store: Pick<AuditStore, 'write'>,
  states: readonly AttemptState[],
  overrides: Partial<AttemptRecord> = {},
): Promise<AttemptRecord> {
  const requested = buildRecord(overrides);
  const records = [requested, ...states.map((state) => moved(requested, state))];
  await writeHistory(store, records);
  return records.at(-1)!;
}
