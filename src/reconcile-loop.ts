import type { Logger } from 'pino';
import { createInstanceLease, type InstanceLease, LEASE_TIMING } from './core/instance-lease.js';
import type { AttemptRecord, AuditStore } from './core/ports/audit.js';
import type { Clock } from './core/ports/clock.js';
import type { WdtPort } from './core/ports/wdt.js';
import { reconcileStuckCalls } from './core/reconcile.js';
import { type SettleDeps, settleStaleSteps } from './core/workflow-step.js';

/**
 * The longest one cancel can take: three rate-limit attempts and a clock resync, each up to twice the timeout;
 * under the lock the order's status is looked up first (one query per 30-day window), then cancelled. A
 * Workflow Builder step is stale after longer than its longest batch (every order one longest call).
 */
export function callTimings(
  config: { WDT_TIMEOUT_MS: number; LOOKUP_DAYS: number; MAX_BATCH: number },
  batchConcurrency: number,
): { longestCallMs: number; staleStepMs: number } {
  const lookupCalls = Math.ceil(config.LOOKUP_DAYS / 30) + 1;
  const longestCallMs = (8 + 2 * lookupCalls) * config.WDT_TIMEOUT_MS + 8_000;
  return {
    longestCallMs,
    staleStepMs: longestCallMs * (Math.ceil(config.MAX_BATCH / batchConcurrency) + 1),
  };
}

/** Workflow steps left without an answer are looked for at most this often. */
const SETTLE_STEPS_EVERY_MS = 60_000;

/**
 * This process's lease and the reconciler that relies on it: every second it looks for `calling` attempts
 * whose process is dead (lease expired or dropped: reconciled at once) or that are older than the longest
 * call (reconciled whoever owns them), and now and then for Workflow Builder steps left without an answer.
 */
export function createReconcileLoop(deps: {
  instanceId: string;
  wdt: WdtPort;
  audit: AuditStore;
  clock: Clock;
  logger: Logger;
  announce: (record: AttemptRecord) => Promise<unknown>;
  steps: SettleDeps['steps'];
  longestCallMs: number;
  staleStepMs: number;
}) {
  const { audit, clock, logger } = deps;
  const lease: InstanceLease = createInstanceLease({ audit, instanceId: deps.instanceId, logger });
  let passing: Promise<unknown> | null = null;
  let lastSettledAt = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  let leased: Promise<void> | null = null;
  const takeLease = () => {
    leased ??= lease.start();
    return leased;
  };

  const pass = () => {
    passing ??= reconcileStuckCalls({
      wdt: deps.wdt,
      audit,
      clock,
      logger,
      announce: deps.announce,
      minAgeMs: deps.longestCallMs,
      lease,
    })
      .then(async (report) => {
        const settleEveryMs = Math.min(SETTLE_STEPS_EVERY_MS, deps.longestCallMs / 2);
        if (report.reconciled.length === 0 && performance.now() - lastSettledAt < settleEveryMs) return;
        lastSettledAt = performance.now();
        // The Workflow Builder steps a stopped process (or a reconciled call) left without an answer.
        await settleStaleSteps({ audit, steps: deps.steps, clock, logger, staleAfterMs: deps.staleStepMs });
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
    /** Takes the lease unless taken, runs a first pass, then one every lease renewal. */
    async start() {
      await takeLease();
      await pass();
      timer = setInterval(pass, LEASE_TIMING.everyMs);
      timer.unref();
    },
    /** Stops looking (waits for a pass under way); the lease is kept until `dropLease`. */
    async stop() {
      clearInterval(timer);
      await passing;
    },
    /** Once this process's calls have drained: others may reconcile what it left at once. */
    dropLease: () => lease.stop(),
  };
}
