import type { AuditStore } from '../../core/ports/audit.js';

/**
 * The store, waking the outbox worker as soon as a write of this process owed a message: the outcome reaches
 * its channel at once instead of at the worker's next pass (other replicas' writes are found by that pass).
 */
export function wakeOnOwed(store: AuditStore, wake: () => void): AuditStore {
  return {
    ...store,
    entries: (range) => store.entries(range),
    async write(transitions, at, owed) {
      const result = await store.write(transitions, at, owed);
      if (result.ok && owed && owed.length > 0) wake();
      return result;
    },
    async recordControl(record, at, owed) {
      const change = await store.recordControl(record, at, owed);
      if (change.changed && owed && owed.length > 0) wake();
      return change;
    },
  };
}
