import type { Logger } from 'pino';
import { withDeadline } from './deadline.js';
import type { AuditStore } from './ports/audit.js';
import { systemTimers, type Timers } from './ports/timers.js';

/**
 * The lease's timing. Renewed every second and live for five: four renewals in a row may be lost (a slow
 * disk, a garbage collection, a PostgreSQL failover's first seconds) before other processes take this one
 * for dead, while a process killed mid-call is known dead five seconds later. A renewal that has not
 * answered in two seconds counts as failed.
 */
export const LEASE_TIMING = { everyMs: 1_000, ttlMs: 5_000, renewWaitMs: 2_000 } as const;

export interface LeaseTiming {
  everyMs: number;
  ttlMs: number;
  renewWaitMs: number;
}

export interface InstanceLease {
  readonly instanceId: string;
  /** Takes the lease (the first renewal, never waited for longer than `renewWaitMs`) and keeps renewing it. */
  start(): Promise<void>;
  /** Stops renewing and drops the lease: call once this process's calls have drained. */
  stop(): Promise<void>;
  /**
   * May this process judge other processes' leases? Only while its own renewals succeed, and once they have
   * succeeded for long enough that every live process has renewed too: after a database outage that stopped
   * every renewal, the first to reconnect must not take the others (and their calls) for dead.
   */
  knowsWhoIsLive(): boolean;
  /** `ok`, or why other processes may take this one for dead (for /readyz). */
  status(): string;
}

/**
 * This process's liveness lease in the audit store: while it is live, a `calling` attempt stamped with this
 * instance id may still be running, and nobody else reconciles it.
 */
export function createInstanceLease(deps: {
  audit: Pick<AuditStore, 'renewLease' | 'dropLease'>;
  instanceId: string;
  logger: Logger;
  timing?: LeaseTiming;
  /** Monotonic time and the renewal timer; tests and the simulation move them. */
  timers?: Timers;
}): InstanceLease {
  const { audit, instanceId, logger } = deps;
  const timing = deps.timing ?? LEASE_TIMING;
  const timers = deps.timers ?? systemTimers;
  const now = () => timers.now();
  // A live process renews at least once per `everyMs + renewWaitMs`, however its last renewal went.
  const settleMs = timing.everyMs + timing.renewWaitMs;
  let lastOkAt: number | null = null;
  let healthySince: number | null = null;
  let failing: string | null = null;
  let stopTimer: (() => void) | undefined;
  let renewing: Promise<void> | null = null;
  let stopped = false;

  async function renewOnce(): Promise<void> {
    const startedAt = now();
    try {
      await withDeadline(
        audit.renewLease(instanceId, timing.ttlMs),
        timing.renewWaitMs,
        () => {
          throw new Error(`no answer within ${timing.renewWaitMs} ms`);
        },
        timers,
      );
      if (stopped) return;
      // A gap longer than a live process leaves between renewals (it was frozen, or its timer starved) counts
      // as an outage: others may have taken it for dead, so it is not healthy again before it has settled.
      if (healthySince === null || lastOkAt === null || startedAt - lastOkAt > settleMs)
        healthySince = startedAt;
      lastOkAt = startedAt;
      if (failing !== null) logger.info({ instanceId }, 'instance lease renewed again');
      failing = null;
    } catch (error) {
      healthySince = null;
      const cause = error instanceof Error ? error.message.slice(0, 200) : String(error);
      if (failing === null) {
        logger.error(
          { err: error, instanceId, ttlMs: timing.ttlMs },
          'could not renew this process’s instance lease: other processes will take it for dead once it expires, and it judges no other process’s calls until it renews again',
        );
      }
      failing = cause;
    }
  }

  const renew = () => {
    renewing ??= renewOnce().finally(() => {
      renewing = null;
    });
    return renewing;
  };

  return {
    instanceId,
    async start() {
      await renew();
      stopTimer = timers.every(timing.everyMs, () => void renew());
    },
    async stop() {
      stopped = true;
      stopTimer?.();
      await renewing;
      await audit
        .dropLease(instanceId)
        .catch((error: unknown) =>
          logger.warn({ err: error, instanceId }, 'could not drop the instance lease; it expires on its own'),
        );
    },
    knowsWhoIsLive() {
      if (stopped || lastOkAt === null || healthySince === null) return false;
      const at = now();
      return at - lastOkAt <= settleMs && at - healthySince >= settleMs;
    },
    status() {
      if (lastOkAt === null) return failing === null ? 'lease not taken yet' : `lease not taken: ${failing}`;
      const age = now() - lastOkAt;
      if (age < timing.ttlMs) return 'ok';
      return `lease not renewed for ${Math.round(age / 1000)} s${failing ? ` (${failing})` : ''}: other processes take this one for dead`;
    },
  };
}
