import type { AuditStore } from '../core/ports/audit.js';
import type { BotMetrics } from './bot-metrics.js';

/** Times the store's durable writes (successful ones: a failed write shows in `audit_store_up`). */
export function instrumentAuditStore(store: AuditStore, metrics: BotMetrics): AuditStore {
  async function timed<R>(write: () => Promise<R>): Promise<R> {
    const started = performance.now();
    const result = await write();
    metrics.observeAuditWrite((performance.now() - started) / 1000);
    return result;
  }
  return {
    backend: store.backend,
    append: (event, record, at) => timed(() => store.append(event, record, at)),
    claimOnce: (key, at) => store.claimOnce(key, at),
    beginCall: (record, at) => timed(() => store.beginCall(record, at)),
    confirmAndBeginCall: (claimKey, confirmed, calling, at) =>
      timed(() => store.confirmAndBeginCall(claimKey, confirmed, calling, at)),
    finishCall: (event, record, at) => timed(() => store.finishCall(event, record, at)),
    recordControl: (record, at) => timed(() => store.recordControl(record, at)),
    controlState: () => store.controlState(),
    findAttempt: (attemptId) => store.findAttempt(attemptId),
    findStuckCalling: () => store.findStuckCalling(),
    orderHistory: (orderNo) => store.orderHistory(orderNo),
    recentAttempts: (filter) => store.recentAttempts(filter),
    entries: (range) => store.entries(range),
    verifyChain: () => store.verifyChain(),
    heldLocks: () => store.heldLocks(),
    renewLease: (instanceId, ttlMs) => store.renewLease(instanceId, ttlMs),
    dropLease: (instanceId) => store.dropLease(instanceId),
    leases: () => store.leases(),
    head: () => store.head(),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
