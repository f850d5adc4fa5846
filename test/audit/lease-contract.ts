import { expect, it } from 'vitest';
import { attemptIn, moved } from '../support/audit-fixtures.js';
import { type ContractStores, expectStoreTimeBetween, written } from './contract-support.js';

/**
 * Instance leases and held locks (issue 18), for every backend. Leases run on the store's own clock: a
 * virtual one moved at once, or a database server's, waited for.
 */
export function leaseContract(stores: ContractStores): void {
  const sleep = (ms: number) => stores.clock.elapse(ms);

  it('a renewed lease is live for its time to live, seen from another connection, then expires', async () => {
    const store = await stores.fresh();
    const other = await stores.another();
    await store.renewLease('01INSTANCEA', 60_000);
    await store.renewLease('01INSTANCEB', 1_000);

    const seen = await other.leases();
    expect(seen.map((lease) => [lease.instanceId, lease.live])).toEqual([
      ['01INSTANCEA', true],
      ['01INSTANCEB', true],
    ]);
    expect(Date.parse(seen[0]!.expiresAt) - Date.parse(seen[0]!.renewedAt)).toBe(60_000);

    await sleep(1_100);
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
    await store.renewLease('01INSTANCEA', 1_000);
    const first = (await store.leases())[0]!;
    await sleep(120);
    await store.renewLease('01INSTANCEA', 1_000);
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
    const { clock } = stores;
    const first = clock.now();
    const one = await attemptIn(store, ['confirmed', 'calling'], { instanceId: '01INSTANCEA' });
    const between = clock.now();
    await sleep(50);
    const middle = clock.now();
    const two = await attemptIn(store, ['confirmed', 'calling']);
    const last = clock.now();

    const held = await (await stores.another()).heldLocks();
    expect(held).toEqual([
      {
        orderNo: one.orderNo,
        attemptId: one.attemptId,
        requesterId: one.requesterId,
        since: expect.any(String),
        record: one,
      },
      {
        orderNo: two.orderNo,
        attemptId: two.attemptId,
        requesterId: two.requesterId,
        since: expect.any(String),
        record: two,
      },
    ]);
    expectStoreTimeBetween(held[0]?.since, first, between);
    expectStoreTimeBetween(held[1]?.since, middle, last);

    await written(store, [{ from: 'calling', record: moved(one, 'cancelled') }]);
    expect((await store.heldLocks()).map((lock) => lock.orderNo)).toEqual([two.orderNo]);
  });
}
