import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openAuditStoreWhenReady } from '../../src/audit/open-store-when-ready.js';
import type { AuditEntry } from '../../src/core/ports/audit.js';
import { createLogger } from '../../src/logger.js';
import { buildRecord, moved } from '../support/audit-fixtures.js';
import { collect } from './contract-support.js';

const dir = mkdtempSync(join(tmpdir(), 'committed-entries-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = new Date('2024-05-01T04:00:00.000Z');

describe('the store as the bot opens it reports every committed entry', () => {
  it('once each, after the write, whichever method wrote it, and nothing for writes that changed nothing', async () => {
    const reported: AuditEntry[] = [];
    const store = await openAuditStoreWhenReady({
      databaseUrl: undefined,
      sqlitePath: join(dir, 'audit.db'),
      logger: createLogger({ level: 'silent' }),
      onCommitted: (entry) => reported.push(entry),
    });
    const a = buildRecord({ orderNo: 'RK2024050100001', instanceId: '01INSTANCE' });
    const b = buildRecord({ orderNo: 'RK2024050100001' });

    await store.write([{ from: null, record: a }], at);
    expect(reported).toHaveLength(1);
    const confirmed = moved(a, 'confirmed');
    const begun = await store.write(
      [
        { from: 'requested', record: confirmed },
        { from: 'confirmed', record: moved(confirmed, 'calling') },
      ],
      at,
    );
    expect(begun.ok).toBe(true);
    expect(reported.map((e) => e.event)).toEqual(['requested', 'confirmed', 'calling']);

    // Conflicts report nothing: a confirmation seen twice, an order locked by another attempt, a fence.
    expect(await store.write([{ from: 'requested', record: confirmed }], at)).toMatchObject({ ok: false });
    await store.write([{ from: null, record: b }], at);
    await store.write([{ from: 'requested', record: moved(b, 'confirmed') }], at);
    expect(await store.write([{ from: 'confirmed', record: moved(b, 'calling') }], at)).toMatchObject({
      ok: false,
      conflict: { kind: 'locked' },
    });
    await store.renewLease('01INSTANCE', 60_000);
    const fence = await store.fence({
      attemptId: a.attemptId,
      orderNo: a.orderNo!,
      instanceId: '01INSTANCE',
      signingAt: new Date(),
      acceptForMs: 130_000,
    });
    expect(fence.ok).toBe(true);
    expect(reported).toHaveLength(5);

    await store.write([{ from: 'calling', record: moved(a, 'cancelled') }], at);
    expect(await store.annotate(a.attemptId, { notifiedVia: 'channel' }, at)).not.toBeNull();
    expect(await store.annotate('01NOSUCHATTEMPT', { notifiedVia: 'channel' }, at)).toBeNull();
    expect(reported.map((e) => e.event).slice(5)).toEqual(['cancelled', 'notified']);

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
    const result = await store.write([{ from: null, record: buildRecord() }], at);
    expect(result.ok && result.entries[0]!.seq).toBe(1);
    expect(await store.head()).toEqual({ seq: 1, hash: result.ok ? result.entries[0]!.hash : '' });
    await store.close();
  });
});
