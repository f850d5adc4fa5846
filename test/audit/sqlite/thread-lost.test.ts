import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openAuditStoreWhenReady } from '../../../src/audit/open-store-when-ready.js';
import { createLogger } from '../../../src/logger.js';
import { buildRecord } from '../../support/audit-fixtures.js';
import { memoryLog } from '../../support/memory-log.js';

// The real worker threads, kept so that the test can stop one the way a crash would.
const { workers } = vi.hoisted(() => ({ workers: [] as Worker[] }));
vi.mock('../../../src/module-worker.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/module-worker.js')>();
  return {
    ...real,
    startModuleWorker: (...args: Parameters<typeof real.startModuleWorker>) => {
      const worker = real.startModuleWorker(...args);
      workers.push(worker);
      return worker;
    },
  };
});

const dir = mkdtempSync(join(tmpdir(), 'thread-lost-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the SQLite thread stopping on its own', () => {
  it('fails the calls it held, then a new thread on the same file takes the next call and the chain goes on', async () => {
    const log = memoryLog();
    const store = await openAuditStoreWhenReady({
      databaseUrl: undefined,
      sqlitePath: join(dir, 'audit.db'),
      logger: createLogger({ level: 'info', destination: log.destination }),
    });
    try {
      await store.write([{ from: null, record: buildRecord({ attemptId: 'before' }) }], new Date());
      expect(workers).toHaveLength(1);

      const held = store.write([{ from: null, record: buildRecord({ attemptId: 'held' }) }], new Date());
      await workers[0]!.terminate();
      await expect(held).rejects.toThrow(/thread exited/);

      await store.write([{ from: null, record: buildRecord({ attemptId: 'after' }) }], new Date());
      await store.ping();
      expect(workers).toHaveLength(2);
      const kept: string[] = [];
      for await (const entry of store.entries()) kept.push(entry.record.attemptId);
      // `held` either committed before the thread stopped or was rolled back whole; the chain verifies both ways.
      expect(kept.filter((id) => id !== 'held')).toEqual(['before', 'after']);
      expect(await store.verifyChain()).toMatchObject({ ok: true, entries: kept.length });
      // Closing is not losing: only the thread that stopped on its own is reported.
      await store.close();
      const lost = log.entries().filter((line) => String(line.msg).includes('audit store thread stopped'));
      expect(lost).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
