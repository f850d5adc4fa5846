import { expect, it } from 'vitest';
import type { AttemptRecord, AuditStore } from '../../src/core/ports/audit.js';
import { buildRecord } from '../support/audit-fixtures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Instance leases and held locks (issue 18), for every backend. Leases run on the store's own clock, so
 * expiry is shown with real (short) waits, not a test clock.
 */
export function leaseContract(stores: {
  fresh(): Promise<AuditStore>;
  another(): Promise<AuditStore>;
}): void {
  it('a renewed lease is live for its time to live, seen from another connection, then expires', async () => {
    const store = await stores.fresh();
    const other = await stores.another();
    await store.renewLease('01INSTANCEA', 60_000);
    await store.renewLease('01INSTANCEB', 300);

    const seen = await other.leases();
    expect(seen.map((lease) => [lease.instanceId, lease.live])).toEqual([
      ['01INSTANCEA', true],
      ['01INSTANCEB', true],
    ]);
    expect(Date.parse(seen[0]!.expiresAt) - Date.parse(seen[0]!.renewedAt)).toBe(60_000);

    await sleep(450);
    const later = new Map((await other.leases()).map((lease) => [lease.instanceId, lease.live]));
    expect(later).toEqual(
      new Map([
        ['01INSTANCEA', true],
        ['01INSTANCEB', false],
      ]),
    );
  });

  it('renewing extends a lease and keeps when it started; dropping ends it at once', async () => {
    const store = await stores.fresh();
    await store.renewLease('01INSTANCEA', 200);
    const first = (await store.leases())[0]!;
    await sleep(120);
    await store.renewLease('01INSTANCEA', 200);
    await sleep(120);
    const renewed = (await store.leases())[0]!;
    expect(renewed).toMatchObject({ instanceId: '01INSTANCEA', startedAt: first.startedAt, live: true });
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt));

    await store.dropLease('01INSTANCEA');
    expect(await store.leases()).toEqual([]);
    await store.dropLease('01NOSUCHINSTANCE');
  });

  it('heldLocks lists each held order lock with its attempt, oldest first, and forgets released ones', async () => {
    const store = await stores.fresh();
    expect(await store.heldLocks()).toEqual([]);
    const one: AttemptRecord = { ...buildRecord(), state: 'calling', instanceId: '01INSTANCEA' };
    const two: AttemptRecord = { ...buildRecord(), state: 'calling' };
    await store.beginCall(one, new Date('2024-05-01T04:00:00.000Z'));
    await store.beginCall(two, new Date('2024-05-01T04:01:00.000Z'));

    const held = await (await stores.another()).heldLocks();
    expect(held).toEqual([
      {
        orderNo: one.orderNo,
        attemptId: one.attemptId,
        requesterId: one.requesterId,
        since: '2024-05-01T04:00:00.000Z',
        record: one,
      },
      {
        orderNo: two.orderNo,
        attemptId: two.attemptId,
        requesterId: two.requesterId,
        since: '2024-05-01T04:01:00.000Z',
        record: two,
      },
    ]);

    await store.finishCall('cancelled', { ...one, state: 'cancelled' }, new Date('2024-05-01T04:02:00.000Z'));
    expect((await store.heldLocks()).map((lock) => lock.orderNo)).toEqual([two.orderNo]);
  });
}
