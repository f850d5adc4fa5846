import type { AuditStore } from '../core/ports/audit.js';
import type { BotMetrics } from './bot-metrics.js';

/**
 * Times the store's writes to the chain and its fences (successful ones: a failed write shows in
 * `audit_store_up`). The outbox's claims run on a timer whether or not anything waits: the outbox metrics
 * show it.
 */
export function instrumentAuditStore(store: AuditStore, metrics: BotMetrics): AuditStore {
  async function timed<R>(write: () => Promise<R>): Promise<R> {
    const started = performance.now();
    const result = await write();
    metrics.observeAuditWrite((performance.now() - started) / 1000);
    return result;
  }
  return {
    backend: store.backend,
    write: (transitions, at, owed) => timed(() => store.write(transitions, at, owed)),
    annotate: (attemptId, note, at) => timed(() => store.annotate(attemptId, note, at)),
    fence: (request) => timed(() => store.fence(request)),
    recordControl: (record, at, owed) => timed(() => store.recordControl(record, at, owed)),
    controlState: () => store.controlState(),
    findAttempt: (attemptId) => store.findAttempt(attemptId),
    batchAttempts: (batchId) => store.batchAttempts(batchId),
    heldCalls: () => store.heldCalls(),
    idleAttempts: (filter) => store.idleAttempts(filter),
    orderHistory: (orderNo) => store.orderHistory(orderNo),
    recentAttempts: (filter) => store.recentAttempts(filter),
    entries: (range) => store.entries(range),
    verifyChain: () => store.verifyChain(),
    heldLocks: () => store.heldLocks(),
    renewLease: (instanceId, ttlMs) => store.renewLease(instanceId, ttlMs),
    dropLease: (instanceId) => store.dropLease(instanceId),
    leases: () => store.leases(),
    claimDeliveries: (claim) => store.claimDeliveries(claim),
    confirmClaim: (id, by, leaseMs) => store.confirmClaim(id, by, leaseMs),
    settleDelivery: (id, by, outcome) => store.settleDelivery(id, by, outcome),
    outboxSummary: () => store.outboxSummary(),
    outboxRows: (filter) => store.outboxRows(filter),
    head: () => store.head(),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
