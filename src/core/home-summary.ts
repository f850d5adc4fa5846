import type { ApprovalService } from './approval-service.js';
import type { CancelPolicy } from './policy.js';
import type { AttemptRecord, AuditStore } from './ports/audit.js';
import type { ChannelMembership } from './ports/directory.js';

/**
 * The recent cancellations a viewer may see: none of it for someone who may neither request nor approve;
 * for the others only orders from channels they are in. When their channels cannot be read, nothing: an
 * order number, a requester and a time from a private channel are exactly what must not leak.
 */
export type RecentCancellations =
  | { kind: 'hidden' }
  | { kind: 'channels_unknown'; error: unknown }
  | { kind: 'shown'; records: AttemptRecord[] };

export interface HomeSummary {
  mine: AttemptRecord[];
  pending: { records: AttemptRecord[]; expiresAt: Date }[];
  recentCancellations: RecentCancellations;
}

const MY_RECENT = 15;
const RECENT_SHOWN = 20;
/** How far back the filtered list looks: enough that a viewer in a few channels still sees their 20. */
const RECENT_SCANNED = 500;

export interface HomeSummaryDeps {
  audit: AuditStore;
  approvals: ApprovalService;
  policy: CancelPolicy;
  channels: ChannelMembership;
}

/** What one person's App Home shows, read from the audit trail. */
export async function homeSummary(deps: HomeSummaryDeps, userId: string): Promise<HomeSummary> {
  const [mine, pending, recentCancellations] = await Promise.all([
    deps.audit.recentAttempts({ requesterId: userId, limit: MY_RECENT }),
    deps.approvals.pendingFor(userId),
    recentFor(deps, userId),
  ]);
  return { mine, pending, recentCancellations };
}

async function recentFor(deps: HomeSummaryDeps, userId: string): Promise<RecentCancellations> {
  if (!(await deps.policy.canSeeActivity(userId))) return { kind: 'hidden' };
  let channels: ReadonlySet<string>;
  try {
    channels = await deps.channels.channelsOf(userId);
  } catch (error) {
    return { kind: 'channels_unknown', error };
  }
  const recent = await deps.audit.recentAttempts({
    states: ['cancelled', 'reconciled_cancelled'],
    limit: RECENT_SCANNED,
  });
  const visible = recent.filter((r) => channels.has(r.channelId)).slice(0, RECENT_SHOWN);
  return { kind: 'shown', records: visible };
}
