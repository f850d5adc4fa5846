import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openThreadedSqliteAuditStore } from '../../../src/audit/sqlite/threaded-store.js';
import { createLogger } from '../../../src/logger.js';
import { buildRecord } from '../../support/audit-fixtures.js';
import { auditStoreContract } from '../store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-sqlite-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const logger = createLogger({ level: 'silent' });

let fileNo = 0;
let currentPath = '';

describe('SQLite audit store on a worker thread', () => {
  auditStoreContract(() => ({
    async fresh() {
      fileNo += 1;
      currentPath = join(dir, `store-${fileNo}`, 'audit.db');
      return openThreadedSqliteAuditStore({ path: currentPath, logger });
    },
    async another() {
      return openThreadedSqliteAuditStore({ path: currentPath, logger });
    },
  }));

  it('commits writes that queued together as one group, where a write that fails fails alone', async () => {
    const store = await openThreadedSqliteAuditStore({ path: join(dir, 'group', 'audit.db'), logger });
    try {
      const at = new Date('2024-05-01T04:00:00.000Z');
      const writes = Array.from({ length: 60 }, (_, i) =>
        i === 30
          ? // The record says cancelled, the event says requested: refused, between 30 good writes and 29 more.
            store.append('requested', buildRecord({ state: 'cancelled' }), at)
          : store.append('requested', buildRecord(), at),
      );
      const settled = await Promise.allSettled(writes);
      expect(settled.filter((r) => r.status === 'rejected')).toHaveLength(1);
      expect(settled[30]).toMatchObject({ status: 'rejected' });
      expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 59 });
      // A read queued behind writes sees them: it is served after their COMMIT.
      const lastId = buildRecord().attemptId;
      const [, found] = await Promise.all([
        store.append('requested', buildRecord({ attemptId: lastId }), at),
        store.findAttempt(lastId),
      ]);
      expect(found?.attemptId).toBe(lastId);
    } finally {
      await store.close();
    }
  });

  it('rejects the open, naming the cause, when the path cannot be created', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a directory');
    await expect(openThreadedSqliteAuditStore({ path: join(blocker, 'audit.db'), logger })).rejects.toThrow(
      /EEXIST|ENOTDIR|not a directory/i,
    );
  });
});
