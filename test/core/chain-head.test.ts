import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import { createCancelExecution } from '../../src/core/cancel-execution.js';
import type { AttemptRecord, AuditStore, ChainHead } from '../../src/core/ports/audit.js';
import type { OutcomeNotifier } from '../../src/core/ports/notifier.js';
import { createLogger } from '../../src/logger.js';
import { captureStream } from '../audit/cli-io.js';
import { buildRecord } from '../support/audit-fixtures.js';
import { scriptedWdt } from '../support/scripted-wdt.js';

const dir = mkdtempSync(join(tmpdir(), 'chain-head-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The cancel execution with a notifier that records what it was asked to post, and nothing else wired. */
function serviceOver(audit: AuditStore) {
  const posted: Array<{ record: AttemptRecord; chainHead: ChainHead | null }> = [];
  const notifier: OutcomeNotifier = {
    async publishOutcome(record, chainHead) {
      posted.push({ record, chainHead });
      return { via: 'channel', channelId: record.channelId, ts: '1.2', channelError: null };
    },
    publishBatch: async () => ({ via: 'none', channelId: null, ts: null, channelError: null }),
    updateBatch: async () => undefined,
  };
  const log = captureStream();
  const cancel = createCancelExecution({
    wdt: scriptedWdt(),
    audit,
    notifier,
    clock: { now: () => new Date() },
    logger: createLogger({ level: 'warn', destination: log.stream }),
    settings: { lookupDays: 30, allowUnverified: false, concurrency: 2 },
    pause: { current: () => ({ kind: 'running' }) },
  });
  return { cancel, posted, log };
}

/** The store, except that asking for its head gets `head()`'s answer. */
function withHead(store: AuditStore, head: () => Promise<never>): AuditStore {
  return Object.assign(Object.create(store) as AuditStore, { head });
}

describe('the chain head on final messages', () => {
  it("posts an outcome with the chain's head as it is once the outcome is recorded", async () => {
    const store = openSqliteAuditStore({ path: join(dir, 'head.db') });
    const record = buildRecord({ state: 'cancelled' });
    const recorded = await store.append('cancelled', record, new Date());
    const { cancel, posted } = serviceOver(store);

    await cancel.announce(record);
    expect(posted).toEqual([{ record, chainHead: { seq: recorded.seq, hash: recorded.hash } }]);
    await store.close();
  });

  it('does not hold the outcome back for a store that stops answering', async () => {
    const store = openSqliteAuditStore({ path: join(dir, 'hung.db') });
    const hung = withHead(store, () => new Promise<never>(() => {}));
    const record = buildRecord({ state: 'cancelled' });
    await store.append('cancelled', record, new Date());
    const { cancel, posted, log } = serviceOver(hung);

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const announced = cancel.announce(record);
      await vi.advanceTimersByTimeAsync(2_000);
      await announced;
    } finally {
      vi.useRealTimers();
    }
    expect(posted).toEqual([{ record, chainHead: null }]);
    expect(log.text()).toContain('no answer within 2000 ms');
    await store.close();
  });

  it('still posts the outcome, without a head, when the store cannot say, and logs why', async () => {
    const store = openSqliteAuditStore({ path: join(dir, 'no-head.db') });
    const failing = withHead(store, () => Promise.reject(new Error('database is locked')));
    const record = buildRecord({ state: 'cancelled' });
    await store.append('cancelled', record, new Date());
    const { cancel, posted, log } = serviceOver(failing);

    await cancel.announce(record);
    expect(posted).toEqual([{ record, chainHead: null }]);
    expect(log.text()).toContain('could not read the audit chain head');
    expect(log.text()).toContain('database is locked');
    await store.close();
  });
});
