import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import type { AttemptRecord, AuditStore } from '../../src/core/ports/audit.js';
import { createBotMetrics } from '../../src/metrics/bot-metrics.js';
import { type StoreProbe, storeGauges } from '../../src/metrics/store-gauges.js';
import { auditStoreProbe } from '../../src/metrics/store-probe.js';
import { attemptIn } from '../support/audit-fixtures.js';
import { parsePrometheusText } from '../support/prometheus-text.js';

const never = () => new Promise<never>(() => {});
const noOutbox = async () => ({ pending: 0, oldestPendingMs: null, givenUp: 0 });
/** A reading with nothing in the outbox. */
const reading = (values: { storeUp: 0 | 1; stuckCalls: number; pendingApprovals: number }) => ({
  ...values,
  outboxPending: 0,
  outboxOldestPendingSeconds: 0,
  outboxGivenUp: 0,
});

function countingProbe(values: { stuck: number; pending: number }) {
  const reads = { ping: 0 };
  const probe: StoreProbe = {
    ping: async () => {
      reads.ping += 1;
    },
    stuckCalls: async () => values.stuck,
    pendingApprovals: async () => values.pending,
    outbox: noOutbox,
  };
  return { probe, reads };
}

describe('store-backed gauges', () => {
  it('reads the store at most once per max age, however many scrapes come', async () => {
    let now = 0;
    const { probe, reads } = countingProbe({ stuck: 2, pending: 3 });
    const read = storeGauges(probe, { maxAgeMs: 5_000, waitMs: 1_000, now: () => now });
    expect(await Promise.all([read(), read(), read()])).toEqual(
      Array(3).fill(reading({ storeUp: 1, stuckCalls: 2, pendingApprovals: 3 })),
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
      outbox: noOutbox,
    };
    const read = storeGauges(probe, { maxAgeMs: 0, waitMs: 20 });
    expect(await read()).toEqual(reading({ storeUp: 1, stuckCalls: 4, pendingApprovals: 1 }));
    hang = true;
    expect(await read()).toEqual(reading({ storeUp: 0, stuckCalls: 4, pendingApprovals: 1 }));
  });

  it('says the store is down when its ping fails', async () => {
    const probe: StoreProbe = {
      ping: () => Promise.reject(new Error('disk I/O error')),
      stuckCalls: never,
      pendingApprovals: never,
      outbox: never,
    };
    const read = storeGauges(probe, { maxAgeMs: 0, waitMs: 1_000 });
    expect((await read()).storeUp).toBe(0);
  });

  it('a scrape of a registry whose store hangs still answers, with audit_store_up 0', async () => {
    const metrics = createBotMetrics({ storeGauges: { maxAgeMs: 0, waitMs: 20 } });
    metrics.watchStore({ ping: never, stuckCalls: never, pendingApprovals: never, outbox: never });
    const samples = parsePrometheusText(await metrics.registry.metrics());
    expect(samples.get('cancel_stockin_audit_store_up')).toBe(0);
  });

  it('exports the outbox: messages waiting, the oldest one’s age in seconds, and those given up', async () => {
    const metrics = createBotMetrics({ storeGauges: { maxAgeMs: 0, waitMs: 1_000 } });
    metrics.watchStore({
      ping: async () => undefined,
      stuckCalls: async () => 0,
      pendingApprovals: async () => 0,
      outbox: async () => ({ pending: 7, oldestPendingMs: 312_500, givenUp: 2 }),
    });
    const samples = parsePrometheusText(await metrics.registry.metrics());
    expect(samples.get('cancel_stockin_outbox_pending')).toBe(7);
    expect(samples.get('cancel_stockin_outbox_oldest_pending_seconds')).toBe(312.5);
    expect(samples.get('cancel_stockin_outbox_given_up')).toBe(2);
  });
});

describe('the audit store probe', () => {
  let dir: string | undefined;
  let store: AuditStore | undefined;
  afterEach(async () => {
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('counts calls stuck past their bound by the store’s clock, and approval requests by batch, from a real store', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cancel-stockin-probe-'));
    let now = new Date('2024-05-01T03:00:00.000Z');
    const real = openSqliteAuditStore({ path: join(dir, 'audit.db'), now: () => now });
    store = real;
    const calling = (overrides: Partial<AttemptRecord> = {}) =>
      attemptIn(real, ['confirmed', 'calling'], overrides);
    await calling();
    const waitingForVerdict = await calling();
    await real.write([{ from: 'calling', record: { ...waitingForVerdict, state: 'awaiting_verdict' } }], now);
    now = new Date('2024-05-01T03:59:30.000Z');
    // Its record says it has been calling for an hour; the lock, taken by the store's clock, says 30 s.
    await calling({ stateTimes: { calling: '2024-05-01T03:00:00.000Z' } });
    const waiting = (batchId: string) =>
      attemptIn(real, ['confirmed'], { batchId, notifiedVia: 'channel', slackTs: '1.2' });
    await waiting('BATCH1');
    await waiting('BATCH1');
    await waiting('BATCH2');
    // Confirmed but not posted for approval: a single-person confirmation about to call.
    await attemptIn(real, ['confirmed']);
    now = new Date('2024-05-01T04:00:00.000Z');

    const probe = auditStoreProbe(real, { stuckAfterMs: 60_000 });
    await expect(probe.ping()).resolves.toBeUndefined();
    // The one calling for an hour counts; the one awaiting its verdict is the reconciler's, not stuck.
    expect(await probe.stuckCalls()).toBe(1);
    expect(await probe.pendingApprovals()).toBe(2);
  });
});
