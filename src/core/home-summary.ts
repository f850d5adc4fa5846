import type { ApprovalService } from './approval-service.js';
import type { AttemptRecord, AuditStore } from './ports/audit.js';

export interface HomeSummary {
  mine: AttemptRecord[];
  pending: { records: AttemptRecord[]; expiresAt: Date }[];
  recentCancellations: AttemptRecord[];
}

const MY_RECENT = 15;
const WORKSPACE_RECENT = 20;

/** What one person's App Home shows, read from the audit trail. */
export async function homeSummary(
  deps: { audit: AuditStore; approvals: ApprovalService },
  userId: string,
): Promise<HomeSummary> {
  const [mine, pending, recentCancellations] = await Promise.all([
    deps.audit.recentAttempts({ requesterId: userId, limit: MY_RECENT }),
    deps.approvals.pendingFor(userId),
    deps.audit.recentAttempts({ states: ['cancelled', 'reconciled_cancelled'], limit: WORKSPACE_RECENT }),
  ]);
  return { mine, pending, recentCancellations };
}
