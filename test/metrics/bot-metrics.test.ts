import { describe, expect, it } from 'vitest';
import type { AttemptRecord, AuditEntry, AuditEvent } from '../../src/core/ports/audit.js';
import { createBotMetrics } from '../../src/metrics/bot-metrics.js';
import { buildRecord } from '../support/audit-fixtures.js';
import { parsePrometheusText } from '../support/prometheus-text.js';

let seq = 0;
const entry = (event: AuditEvent, record: AttemptRecord): AuditEntry => {
  seq += 1;
  return { seq, entryId: `E${seq}`, event, at: '2024-05-01T04:00:00.000Z', record, prevHash: '', hash: '' };
};

describe('outcome counting from committed entries', () => {
  it('counts final outcomes, tells rate limits apart from refusals, and tracks calls in flight', async () => {
    const metrics = createBotMetrics({ storeGauges: { maxAgeMs: 0, waitMs: 10 } });
    const limited = buildRecord({ state: 'calling' });
    const refused = buildRecord({ state: 'calling' });
    metrics.noteCommitted(entry('calling', limited));
    metrics.noteCommitted(entry('calling', refused));
    let samples = parsePrometheusText(await metrics.registry.metrics());
    expect(samples.get('cancel_stockin_calls_in_flight')).toBe(2);

    metrics.noteCommitted(entry('refused', { ...limited, state: 'refused', wdtOutcome: 'rate_limited' }));
    metrics.noteCommitted(entry('refused', { ...refused, state: 'refused', wdtOutcome: 'refused' }));
    metrics.noteCommitted(entry('notified', { ...refused, state: 'refused' }));
    samples = parsePrometheusText(await metrics.registry.metrics());
    expect(samples.get('cancel_stockin_calls_in_flight')).toBe(0);
    expect(samples.get('cancel_stockin_cancels_total{outcome="rate_limited"}')).toBe(1);
    expect(samples.get('cancel_stockin_cancels_total{outcome="refused"}')).toBe(1);
    expect(samples.get('cancel_stockin_cancels_total{outcome="reconciled_cancelled"}')).toBe(0);
  });

  it('keeps each bot on a registry of its own', async () => {
    const one = createBotMetrics({ storeGauges: { maxAgeMs: 0, waitMs: 10 } });
    const two = createBotMetrics({ storeGauges: { maxAgeMs: 0, waitMs: 10 } });
    one.countCommand('help');
    expect(
      parsePrometheusText(await one.registry.metrics()).get('cancel_stockin_commands_total{result="help"}'),
    ).toBe(1);
    expect(
      parsePrometheusText(await two.registry.metrics()).get('cancel_stockin_commands_total{result="help"}'),
    ).toBe(0);
  });
});
