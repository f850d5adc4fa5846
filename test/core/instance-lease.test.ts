import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createInstanceLease } from '../../src/core/instance-lease.js';
import type { Timers } from '../../src/core/ports/timers.js';
import { createLogger } from '../../src/logger.js';

const TIMING = { everyMs: 1_000, ttlMs: 5_000, renewWaitMs: 2_000 };

/** A store whose renewals succeed, fail or hang as the test says. */
function leaseStore() {
  const state = { mode: 'ok' as 'ok' | 'fail' | 'hang', renewals: 0, dropped: [] as string[] };
  return {
    state,
    renewLease: async () => {
      state.renewals += 1;
      if (state.mode === 'fail') throw new Error('database is down');
      if (state.mode === 'hang') await new Promise(() => {});
    },
    dropLease: async (id: string) => {
      state.dropped.push(id);
    },
  };
}

function lines() {
  const seen: Array<{ level: number; msg: string }> = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => seen.push(JSON.parse(line)) },
  });
  return { seen, logger };
}

/** The process's timers as Vitest's fake timers drive them. */
const fakeTimers: Timers = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  after(ms, work) {
    const timer = setTimeout(work, ms);
    return () => clearTimeout(timer);
  },
  every(ms, work) {
    const timer = setInterval(work, ms);
    return () => clearInterval(timer);
  },
};

const leaseOn = (audit: ReturnType<typeof leaseStore>, logger = lines().logger) =>
  createInstanceLease({ audit, instanceId: '01ME', logger, timing: TIMING, timers: fakeTimers });

describe('instance lease', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('renews every second and judges others only after renewing for long enough', async () => {
    const audit = leaseStore();
    const lease = leaseOn(audit);
    await lease.start();
    expect(audit.state.renewals).toBe(1);
    expect(lease.status()).toBe('ok');
    expect(lease.knowsWhoIsLive()).toBe(false);

    await vi.advanceTimersByTimeAsync(2_500);
    expect(audit.state.renewals).toBe(3);
    expect(lease.knowsWhoIsLive()).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lease.knowsWhoIsLive()).toBe(true);

    await lease.stop();
    expect(audit.state.dropped).toEqual(['01ME']);
    expect(lease.knowsWhoIsLive()).toBe(false);
  });

  it('a failed renewal is logged once, stops judging at once, and shows in the status once the lease has run out', async () => {
    const audit = leaseStore();
    const { seen, logger } = lines();
    const lease = leaseOn(audit, logger);
    await lease.start();
    await vi.advanceTimersByTimeAsync(4_000);
    expect(lease.knowsWhoIsLive()).toBe(true);

    audit.state.mode = 'fail';
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lease.knowsWhoIsLive()).toBe(false);
    expect(lease.status()).toBe('ok');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(lease.status()).toMatch(/^lease not renewed for \d+ s \(database is down\)/);
    expect(seen.filter((l) => /could not renew/.test(l.msg))).toHaveLength(1);

    audit.state.mode = 'ok';
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lease.status()).toBe('ok');
    expect(lease.knowsWhoIsLive()).toBe(false);
    expect(seen.some((l) => l.msg === 'instance lease renewed again')).toBe(true);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(lease.knowsWhoIsLive()).toBe(true);
    await lease.stop();
  });

  it('a renewal that hangs counts as failed after its wait, and start is not held longer', async () => {
    const audit = leaseStore();
    audit.state.mode = 'hang';
    const lease = leaseOn(audit);
    const started = lease.start();
    await vi.advanceTimersByTimeAsync(2_000);
    await started;
    expect(lease.status()).toBe('lease not taken: no answer within 2000 ms');
    expect(lease.knowsWhoIsLive()).toBe(false);
    await lease.stop();
  });

  it('after a freeze (no renewal ran, none failed), the first renewal does not make it judge others at once', async () => {
    const audit = leaseStore();
    let now = 0;
    let renew: () => void = () => undefined;
    const frozenTimers: Timers = {
      ...fakeTimers,
      now: () => now,
      every(_ms, work) {
        renew = work;
        return () => undefined;
      },
    };
    const lease = createInstanceLease({
      audit,
      instanceId: '01ME',
      logger: lines().logger,
      timing: TIMING,
      timers: frozenTimers,
    });
    await lease.start();
    for (let second = 1; second <= 4; second += 1) {
      now = second * 1_000;
      renew();
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(lease.knowsWhoIsLive()).toBe(true);

    // Frozen for ten seconds: its lease lapsed meanwhile, and the others may have taken it for dead.
    now += 10_000;
    renew();
    await vi.advanceTimersByTimeAsync(0);
    expect(lease.knowsWhoIsLive()).toBe(false);
    for (let step = 1; step <= 3; step += 1) {
      now += 1_000;
      renew();
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(lease.knowsWhoIsLive()).toBe(true);
    await lease.stop();
  });
});
