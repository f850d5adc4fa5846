import { isAwaitingApproval } from '../core/approval-service.js';
import type { AuditStore } from '../core/ports/audit.js';
import type { Clock } from '../core/ports/clock.js';
import type { StoreProbe } from './store-gauges.js';

/** The store-backed gauges' readings, as the reconcile pass and the expiry sweep see the same attempts. */
export function auditStoreProbe(
  audit: AuditStore,
  clock: Clock,
  options: { stuckAfterMs: number },
): StoreProbe {
  return {
    ping: () => audit.ping(),
    async stuckCalls() {
      const now = clock.now().getTime();
      return (await audit.findStuckCalling()).filter((record) => {
        const since = record.stateTimes.calling ?? record.stateTimes.requested;
        return since !== undefined && now - Date.parse(since) >= options.stuckAfterMs;
      }).length;
    },
    async pendingApprovals() {
      const waiting = await audit.recentAttempts({ states: ['confirmed'], limit: 1_000 });
      return new Set(waiting.filter(isAwaitingApproval).map((record) => record.batchId)).size;
    },
  };
}
