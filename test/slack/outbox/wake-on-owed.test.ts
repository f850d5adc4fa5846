import { describe, expect, it } from 'vitest';
import { owedFor } from '../../../src/core/owed-messages.js';
import { wakeOnOwed } from '../../../src/slack/outbox/wake-on-owed.js';
import { buildRecord } from '../../support/audit-fixtures.js';
import { openMemoryAuditStore } from '../../support/memory-audit-store.js';

describe('waking the outbox worker', () => {
  it('wakes it once per write that owed a message and went through, never for one that owed nothing or conflicted', async () => {
    let wakes = 0;
    const store = wakeOnOwed(openMemoryAuditStore(), () => {
      wakes += 1;
    });
    const record = buildRecord();
    const at = new Date('2024-05-01T04:00:00.000Z');
    await store.write([{ from: null, record }], at);
    expect(wakes).toBe(0);

    const denied = { ...record, state: 'denied' as const };
    const owed = owedFor({ ...denied, functionExecutionId: 'Fx0STEP' }, { outcome: true });
    expect(owed.length).toBeGreaterThan(0);
    expect((await store.write([{ from: 'requested', record: denied }], at, owed)).ok).toBe(true);
    expect(wakes).toBe(1);

    expect((await store.write([{ from: 'requested', record: denied }], at, owed)).ok).toBe(false);
    expect(wakes).toBe(1);
  });
});
