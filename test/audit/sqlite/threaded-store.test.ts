import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedClock } from '../../../src/audit/sqlite/shared-clock.js';
import { openThreadedSqliteAuditStore } from '../../../src/audit/sqlite/threaded-store.js';
import { createLogger } from '../../../src/logger.js';
import { attemptIn, buildRecord, moved } from '../../support/audit-fixtures.js';
import { virtualClock } from '../contract-support.js';
import { auditStoreContract } from '../store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-sqlite-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const logger = createLogger({ level: 'silent' });

let fileNo = 0;
let currentPath = '';
// Set here, read on the store's thread: the contract's virtual time reaches the SQLite store there too.
const clock = sharedClock(new Date('2026-03-01T00:00:00.000Z'));

describe('SQLite audit store on a worker thread', () => {
  auditStoreContract(() => ({
    async fresh() {
      fileNo += 1;
      currentPath = join(dir, `store-${fileNo}`, 'audit.db');
      return openThreadedSqliteAuditStore({ path: currentPath, logger, clock });
    },
    async another() {
      return openThreadedSqliteAuditStore({ path: currentPath, logger, clock });
    },
    clock: virtualClock(clock),
  }));

  it('commits writes that queued together as one group, where a conflict is an answer and a throw fails alone', async () => {
    const store = await openThreadedSqliteAuditStore({ path: join(dir, 'group', 'audit.db'), logger });
    try {
      const at = new Date('2024-05-01T04:00:00.000Z');
      const taken = await attemptIn(store, []);
      const writes = Array.from({ length: 60 }, (_, i) => {
        // A move not in the table throws; a second confirmation of one attempt is stale: both amid 57 new attempts.
        if (i === 30)
          return store.write([{ from: 'requested', record: moved(buildRecord(), 'cancelled') }], at);
        if (i === 20 || i === 40)
          return store.write([{ from: 'requested', record: moved(taken, 'confirmed') }], at);
        return store.write([{ from: null, record: buildRecord() }], at);
      });
      const settled = await Promise.allSettled(writes);
      expect(settled.filter((r) => r.status === 'rejected')).toHaveLength(1);
      expect(settled[30]).toMatchObject({ status: 'rejected', reason: { message: /not a transition/ } });
      const answers = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      expect(answers.filter((r) => !r.ok)).toMatchObject([{ conflict: { kind: 'stale' } }]);
      expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 1 + 57 + 1 });
      // A read queued behind writes sees them: it is served after their COMMIT.
      const last = buildRecord();
      const [, found] = await Promise.all([
        store.write([{ from: null, record: last }], at),
        store.findAttempt(last.attemptId),
      ]);
      expect(found?.attemptId).toBe(last.attemptId);
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
