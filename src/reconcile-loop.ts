import type { Logger } from 'pino';
import { createInstanceLease, type InstanceLease, LEASE_TIMING } from './core/instance-lease.js';
import type { AuditStore } from './core/ports/audit.js';
import type { Clock } from './core/ports/clock.js';
import { systemTimers, type Timers } from './core/ports/timers.js';
import type { WdtPort } from './core/ports/wdt.js';
import { reconcileHeldCalls } from './core/reconcile.js';
import { closeStaleOrders, type SettleDeps, settleStaleSteps } from './core/workflow-step.js';

/** Workflow steps left without an answer, and orders a stopped process left unsent, are looked for at most this often. */
const SETTLE_STEPS_EVERY_MS = 60_000;

/**
 * This process's lease and the reconciler that relies on it: every second it looks at the calls holding an
 * order's lock (taking over those whose process let its lease lapse, or that are older than the longest call,
 * and giving each its verdict from WDT once due), and now and then for Workflow Builder steps left without an
 * answer and orders a stopped process left unsent.
 */
export function createReconcileLoop(deps: {
  instanceId: string;
  wdt: WdtPort;
  audit: AuditStore;
  clock: Clock;
  timers?: Timers;
  logger: Logger;
  /** Whether this process is making the attempt's call right now (the execution knows). */
  isRunningHere: (attemptId: string) => boolean;
  steps: SettleDeps['steps'];
  longestCallMs: number;
  staleStepMs: number;
}) {
  const { audit, clock, logger } = deps;
  const timers = deps.timers ?? systemTimers;
  const lease: InstanceLease = createInstanceLease({ audit, instanceId: deps.instanceId, logger, timers });
  let passing: Promise<unknown> | null = null;
  let lastSettledAt = Number.NEGATIVE_INFINITY;
  let stopTimer: (() => void) | undefined;
  let leased: Promise<void> | null = null;
  const takeLease = () => {
    leased ??= lease.start();
    return leased;
  };

  const pass = () => {
    passing ??= reconcileHeldCalls({
      wdt: deps.wdt,
      audit,
      clock,
      logger,
      longestCallMs: deps.longestCallMs,
      lease,
      isRunningHere: deps.isRunningHere,
    })
      .then(async (report) => {
        const settleEveryMs = Math.min(SETTLE_STEPS_EVERY_MS, deps.longestCallMs / 2);
        if (report.reconciled.length === 0 && timers.now() - lastSettledAt < settleEveryMs) return;
        lastSettledAt = timers.now();
        const staleAfterMs = deps.staleStepMs;
        // The Workflow Builder steps a stopped process (or a reconciled call) left without an answer.
        await settleStaleSteps({ audit, steps: deps.steps, clock, logger, staleAfterMs });
        await closeStaleOrders({ audit, clock, logger, staleAfterMs });
      })
      .catch((error: unknown) => logger.error({ err: error }, 'reconciliation pass failed; will try again'))
      .finally(() => {
        passing = null;
      });
    return passing;
  };

  return {
    lease,
    longestCallMs: deps.longestCallMs,
    /** Takes the lease early in start-up (its first renewal is bounded), so that it has settled sooner. */
    takeLease,
    /** One pass now (the loop runs one every lease renewal). */
    pass,
    /** Takes the lease unless taken, runs a first pass, then one every lease renewal. */
    async start() {
      await takeLease();
      await pass();
      stopTimer = timers.every(LEASE_TIMING.everyMs, () => void pass());
    },
    /** Stops looking (waits for a pass under way); the lease is kept until `dropLease`. */
    async stop() {
      stopTimer?.();
      await passing;
    },
    /** Once this process's calls have drained: others may reconcile what it left at once. */
    dropLease: () => lease.stop(),
  };
}
