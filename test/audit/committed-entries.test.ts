import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openAuditStoreWhenReady } from '../../src/audit/open-store-when-ready.js';
import type { AttemptRecord, AuditEntry } from '../../src/core/ports/audit.js';
import { createLogger } from '../../src/logger.js';
import { buildRecord } from '../support/audit-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'committed-entries-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = new Date('2024-05-01T04:00:00.000Z');
const as = (record: AttemptRecord, state: AttemptRecord['state']): AttemptRecord => ({ ...record, state });

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('the store as the bot opens it reports every committed entry', () => {
  it('once each, after the write, whichever method wrote it, and nothing for refused writes', async () => {
    const reported: AuditEntry[] = [];
    const store = await openAuditStoreWhenReady({
      databaseUrl: undefined,
      sqlitePath: join(dir, 'audit.db'),
      logger: createLogger({ level: 'silent' }),
      onCommitted: (entry) => reported.push(entry),
    });
    const a = buildRecord({ orderNo: 'RK2024050100001' });
    const b = buildRecord({ orderNo: 'RK2024050100001' });
    const c = buildRecord({ orderNo: 'RK2024050100002' });

    await store.append('requested', a, at);
    expect(reported).toHaveLength(1);
    const begun = await store.confirmAndBeginCall('confirm:a', as(a, 'confirmed'), as(a, 'calling'), at);
    expect(begun.kind).toBe('begun');
    expect(reported.map((e) => e.event)).toEqual(['requested', 'confirmed', 'calling']);

    // Refused writes report nothing: a claim taken before, an order already locked by another attempt.
    const again = await store.confirmAndBeginCall('confirm:a', as(a, 'confirmed'), as(a, 'calling'), at);
    expect(again.kind).toBe('already_claimed');
    expect(await store.beginCall(as(b, 'calling'), at)).toMatchObject({ ok: false });
    expect(await store.claimOnce('decide:x', at)).toBe(true);
    expect(reported).toHaveLength(3);

    // Locked: the claim and the confirmation are kept, so the confirmation is reported; the call is not.
    const locked = await store.confirmAndBeginCall('confirm:b', as(b, 'confirmed'), as(b, 'calling'), at);
    expect(locked.kind).toBe('locked');
    expect(reported.map((e) => e.event).slice(3)).toEqual(['confirmed']);

    await store.finishCall('cancelled', as(a, 'cancelled'), at);
    expect(await store.beginCall(as(c, 'calling'), at)).toMatchObject({ ok: true });

    const chain = await collect(store.entries());
    expect(reported).toEqual(chain);
    expect(new Set(reported.map((e) => e.seq)).size).toBe(chain.length);
    await store.close();
  });

  it('keeps a durable write a success even when the listener throws', async () => {
    const store = await openAuditStoreWhenReady({
      databaseUrl: undefined,
      sqlitePath: join(dir, 'listener.db'),
      logger: createLogger({ level: 'silent' }),
      onCommitted: () => {
        throw new Error('log sink broke');
      },
    });
    const entry = await store.append('requested', buildRecord(), at);
    expect(entry.seq).toBe(1);
    expect(await store.head()).toEqual({ seq: 1, hash: entry.hash });
    await store.close();
  });
});
