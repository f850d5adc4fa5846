import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openThreadedSqliteAuditStore } from '../../src/audit/sqlite-thread/threaded-sqlite-store.js';
import { createLogger } from '../../src/logger.js';
import { auditStoreContract } from './store-contract.js';

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

  it('rejects the open, naming the cause, when the path cannot be created', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a directory');
    await expect(openThreadedSqliteAuditStore({ path: join(blocker, 'audit.db'), logger })).rejects.toThrow(
      /EEXIST|ENOTDIR|not a directory/i,
    );
  });
});
