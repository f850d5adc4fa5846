import type { AuditStore, FenceRequest, FenceResult } from '../../src/core/ports/audit.js';
import type { Oracle } from './oracle.js';
import type { World } from './world.js';

/** How a process reaches the database, as the tape decides per request. */
export interface StoreFaults {
  /** Percent of requests that fail or stall while faults are on (0: none). */
  rate: number;
}

type Fate = 'ok' | 'fail_before' | 'fail_after' | 'stall';

/**
 * One process's connection to the shared database. Every call is a request on the wire: the database runs it
 * (atomically, when the world says) and the answer travels back to the process, which may be frozen or gone
 * by then. A request may also fail before it runs, run and lose its answer (a commit whose reply never
 * came), or stall for a long time first.
 */
export function simStore(
  world: World,
  owner: string,
  database: AuditStore,
  oracle: Oracle,
  faults: StoreFaults,
): AuditStore {
  function call<T>(
    name: string,
    run: () => Promise<T>,
    after?: (result: T) => Promise<() => void>,
  ): Promise<T> {
    const fate: Fate =
      faults.rate > 0 && world.tape.chance(faults.rate)
        ? world.tape.choose(['fail_before', 'fail_after', 'stall'] as const)
        : 'ok';
    const runIn =
      fate === 'stall' ? world.tape.choose([3_000, 10_000, 40_000]) : world.tape.choose([1, 2, 5]);
    return new Promise<T>((resolve, reject) => {
      world.schedule(null, runIn, `db:${name}`, async () => {
        const lost = () => reject(new Error(`database connection lost (${name})`));
        if (fate === 'fail_before') {
          world.schedule(owner, 1, `db:${name}:error`, lost);
          return;
        }
        let result: { ok: true; value: T } | { ok: false; error: unknown };
        try {
          result = { ok: true, value: await run() };
        } catch (error) {
          result = { ok: false, error };
        }
        const delivered = result.ok && after ? await after(result.value) : () => undefined;
        world.schedule(owner, world.tape.choose([1, 2, 5]), `db:${name}:answer`, () => {
          if (fate === 'fail_after') return lost();
          if (!result.ok) return reject(result.error);
          delivered();
          resolve(result.value);
        });
      });
    });
  }

  return {
    backend: database.backend,
    write: (transitions, at, owed) => call('write', () => database.write(transitions, at, owed)),
    annotate: (attemptId, note, at) => call('annotate', () => database.annotate(attemptId, note, at)),
    fence: (request: FenceRequest) =>
      call<FenceResult>(
        'fence',
        () => database.fence(request),
        async (result) => {
          const ran = await oracle.fenceRan(result);
          return () => {
            if (ran) oracle.fenceAnswered(owner, request, ran);
          };
        },
      ),
    recordControl: (record, at, owed) =>
      call('recordControl', () => database.recordControl(record, at, owed)),
    controlState: () => call('controlState', () => database.controlState()),
    findAttempt: (attemptId) => call('findAttempt', () => database.findAttempt(attemptId)),
    batchAttempts: (batchId) => call('batchAttempts', () => database.batchAttempts(batchId)),
    claimDeliveries: (claim) => call('claimDeliveries', () => database.claimDeliveries(claim)),
    confirmClaim: (id, by, leaseMs) => call('confirmClaim', () => database.confirmClaim(id, by, leaseMs)),
    settleDelivery: (id, by, outcome) =>
      call('settleDelivery', () => database.settleDelivery(id, by, outcome)),
    outboxSummary: () => call('outboxSummary', () => database.outboxSummary()),
    outboxRows: (filter) => call('outboxRows', () => database.outboxRows(filter)),
    heldCalls: () => call('heldCalls', () => database.heldCalls()),
    idleAttempts: (filter) => call('idleAttempts', () => database.idleAttempts(filter)),
    orderHistory: (orderNo) => call('orderHistory', () => database.orderHistory(orderNo)),
    recentAttempts: (filter) => call('recentAttempts', () => database.recentAttempts(filter)),
    entries: (range) => database.entries(range),
    verifyChain: () => call('verifyChain', () => database.verifyChain()),
    head: () => call('head', () => database.head()),
    heldLocks: () => call('heldLocks', () => database.heldLocks()),
    renewLease: (instanceId, ttlMs) => call('renewLease', () => database.renewLease(instanceId, ttlMs)),
    dropLease: (instanceId) => call('dropLease', () => database.dropLease(instanceId)),
    leases: () => call('leases', () => database.leases()),
    ping: () => call('ping', () => database.ping()),
    close: async () => undefined,
  };
}
