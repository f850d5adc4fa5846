import { describe } from 'vitest';
import {
  createMemoryAuditDatabase,
  type MemoryAuditDatabase,
  openMemoryAuditStore,
} from '../support/memory-audit-store.js';
import { manualClock, virtualClock } from './contract-support.js';
import { auditStoreContract } from './store-contract.js';

const time = manualClock();
let database: MemoryAuditDatabase = createMemoryAuditDatabase(time.now);

/** The core's unit tests run on this fake: it must behave as the real backends do. */
describe('in-memory audit store (the core tests’ fake)', () => {
  auditStoreContract(() => ({
    async fresh() {
      database = createMemoryAuditDatabase(time.now);
      return openMemoryAuditStore(database);
    },
    async another() {
      return openMemoryAuditStore(database);
    },
    clock: virtualClock(time),
  }));
});
