import { describe, expect, it } from 'vitest';
import { owedFor } from '../../src/core/owed-messages.js';
import { createBotMetrics } from '../../src/metrics/bot-metrics.js';
import { instrumentAuditStore } from '../../src/metrics/instrumented-audit-store.js';
import { auditStoreProbe } from '../../src/metrics/store-probe.js';
import { buildRecord } from '../support/audit-fixtures.js';
import { createMemoryAuditDatabase, openMemoryAuditStore } from '../support/memory-audit-store.js';
import { parsePrometheusText } from '../support/prometheus-text.js';

const metricsForTest = () => createBotMetrics({ storeGauges: { maxAgeMs: 0, waitMs: 1_000 } });

describe('outbox metrics', () => {
  it('count deliveries by kind and how, and give-ups by reason, each exported at 0 before the first', async () => {
    const metrics = metricsForTest();
    let samples = parsePrometheusText(await metrics.registry.metrics());
    expect(samples.get('cancel_stockin_outbox_deliveries_total{kind="outcome",how="found"}')).toBe(0);
    expect(samples.get('cancel_stockin_outbox_given_up_total{reason="not_in_channel"}')).toBe(0);
    metrics.outbox.delivered('outcome', 'posted');
    metrics.outbox.delivered('batch', 'edited');
    metrics.outbox.gaveUp('not_in_channel');
    samples = parsePrometheusText(await metrics.registry.metrics());
    expect(samples.get('cancel_stockin_outbox_deliveries_total{kind="outcome",how="posted"}')).toBe(1);
    expect(samples.get('cancel_stockin_outbox_deliveries_total{kind="batch",how="edited"}')).toBe(1);
    expect(samples.get('cancel_stockin_outbox_given_up_total{reason="not_in_channel"}')).toBe(1);
  });

  it('the instrumented store keeps the messages a write owes, and the probe reads the outbox through it', async () => {
    let now = new Date('2024-05-01T04:00:00.000Z');
    const metrics = metricsForTest();
    const store = instrumentAuditStore(openMemoryAuditStore(createMemoryAuditDatabase(() => now)), metrics);
    const record = buildRecord({ state: 'requested' });
    const written = await store.write([{ from: null, record }], now, owedFor(record, { outcome: true }));
    expect(written.ok).toBe(true);
    now = new Date('2024-05-01T04:04:00.000Z');
    expect(await auditStoreProbe(store, { stuckAfterMs: 60_000 }).outbox()).toEqual({
      pending: 1,
      oldestPendingMs: 240_000,
      givenUp: 0,
    });
    metrics.watchStore(auditStoreProbe(store, { stuckAfterMs: 60_000 }));
    const samples = parsePrometheusText(await metrics.registry.metrics());
    expect(samples.get('cancel_stockin_outbox_pending')).toBe(1);
    expect(samples.get('cancel_stockin_outbox_oldest_pending_seconds')).toBe(240);
  });
});
