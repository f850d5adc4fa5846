import type { AttemptRecord, AuditStore } from './ports/audit.js';
import { recordOrRefuse } from './record-or-refuse.js';

/** The attempts of one batch, in the order given; null when any is unknown or they span batches. */
export async function loadBatch(
  audit: AuditStore,
  attemptIds: readonly string[],
): Promise<AttemptRecord[] | null> {
  const records: AttemptRecord[] = [];
  for (const attemptId of attemptIds) {
    const record = await recordOrRefuse(() => audit.findAttempt(attemptId));
    if (!record) return null;
    records.push(record);
  }
  const batchId = records[0]?.batchId;
  return records.length > 0 && records.every((r) => r.batchId === batchId) ? records : null;
}
