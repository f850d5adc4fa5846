import { isAwaitingApproval } from '../core/approval-service.js';
import type { AuditStore } from '../core/ports/audit.js';
import type { StoreProbe } from './store-gauges.js';

/** The store-backed gauges' readings, as the reconcile pass and the expiry sweep see the same attempts. */
export function auditStoreProbe(audit: AuditStore, options: { stuckAfterMs: number }): StoreProbe {
  return {
    ping: () => audit.ping(),
    async stuckCalls() {
      // How long each lock has been held, by the database's clock: a replica whose own clock drifted
      // counts the same calls as every other.
      const held = await audit.heldCalls();
      return held.filter((call) => call.record.state === 'calling' && call.heldForMs >= options.stuckAfterMs)
        .length;
    },
    async pendingApprovals() {
      const waiting = await audit.recentAttempts({ states: ['confirmed'], limit: 1_000 });
      return new Set(waiting.filter(isAwaitingApproval).map((record) => record.batchId)).size;
    },
    outbox: () => audit.outboxSummary(),
  };
}
