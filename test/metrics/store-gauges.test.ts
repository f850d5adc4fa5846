import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import type { AuditStore } from '../../src/core/ports/audit.js';
import { createBotMetrics } from '../../src/metrics/bot-metrics.js';
import { type StoreProbe, storeGauges } from '../../src/metrics/store-gauges.js';
import { auditStoreProbe } from '../../src/metrics/store-probe.js';
import { buildRecord } from '../support/audit-fixtures.js';
import { parsePrometheusText } from '../support/prometheus-text.js';

const never = () => new Promise<never>(() => {});

function countingProbe(values: { stuck: number; pending: number }) {
  const reads = { ping: 0 };
  const probe: StoreProbe = {
    ping: async () => {
      reads.ping += 1;
    },
    stuckCalls: async () => values.stuck,
    pendingApprovals: async () => values.pending,
  };
  return { probe, reads };
}

describe('store-backed gauges', () => {
  it('reads the store at most once per max age, however many scrapes come', async () => {
    let now = 0;
    const { probe, reads } = countingProbe({ stuck: 2, pending: 3 });
    const read = storeGauges(probe, { maxAgeMs: 5_000, waitMs: 1_000, now: () => now });
    expect(await Promise.all([read(), read(), read()])).toEqual(
      Array(3).fill({ storeUp: 1, stuckCalls: 2, pendingApprovals: 3 }),
    );
    now = 4_999;
    await read();
    expect(reads.ping).toBe(1);
    now = 5_000;
    await read();
    expect(reads.ping).toBe(2);
  });

  it('answers with the last values and the store down when the store does not answer in time', async () => {
    let hang = false;
    const probe: StoreProbe = {
      ping: () => (hang ? never() : Promise.resolve()),
      stuckCalls: async () => 4,
      pendingApprovals: async () => 1,
    };
    const read = storeGauges(probe, { maxAgeMs: 0, waitMs: 20 });
    expect(await read()).toEqual({ storeUp: 1, stuckCalls: 4, pendingApprovals: 1 });
    hang = true;
    expect(await read()).toEqual({ storeUp: 0, stuckCalls: 4, pendingApprovals: 1 });
  });

  it('says the store is down when its ping fails', async () => {
    const probe: StoreProbe = {
      ping: () => Promise.reject(new Error('disk I/O error')),
      stuckCalls: never,
      pendingApprovals: never,
    };
    const read = storeGauges(probe, { maxAgeMs: 0, waitMs: 1_000 });
    expect((await read()).storeUp).toBe(0);
  });

  it('a scrape of a registry whose store hangs still answers, with audit_store_up 0', async () => {
    const metrics = createBotMetrics({ storeGauges: { maxAgeMs: 0, waitMs: 20 } });
    metrics.watchStore({ ping: never, stuckCalls: never, pendingApprovals: never });
    const samples = parsePrometheusText(await metrics.registry.metrics());
    expect(samples.get('cancel_stockin_audit_store_up')).toBe(0);
  });
});

describe('the audit store probe', () => {
  let dir: string | undefined;
  let store: AuditStore | undefined;
  afterEach(async () => {
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('counts calls stuck past their bound and approval requests by batch, from a real store', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cancel-stockin-probe-'));
    store = openSqliteAuditStore({ path: join(dir, 'audit.db') });
    const at = new Date('2024-05-01T04:00:00.000Z');
    const old = buildRecord({ state: 'calling', stateTimes: { calling: '2024-05-01T03:00:00.000Z' } });
    const young = buildRecord({ state: 'calling', stateTimes: { calling: '2024-05-01T03:59:30.000Z' } });
    await store.beginCall(old, at);
    await store.beginCall(young, at);
    const waiting = (batchId: string) =>
      buildRecord({ batchId, state: 'confirmed', notifiedVia: 'channel', slackTs: '1.2' });
    await store.append('confirmed', waiting('BATCH1'), at);
    await store.append('confirmed', waiting('BATCH1'), at);
    await store.append('confirmed', waiting('BATCH2'), at);
    // Confirmed but not posted for approval: a single-person confirmation about to call.
    await store.append('confirmed', buildRecord({ state: 'confirmed' }), at);

    const probe = auditStoreProbe(store, { now: () => at }, { stuckAfterMs: 60_000 });
    await expect(probe.ping()).resolves.toBeUndefined();
    expect(await probe.stuckCalls()).toBe(1);
    expect(await probe.pendingApprovals()).toBe(2);
  });
});
