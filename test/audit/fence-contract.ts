import { expect, it } from 'vitest';
import type { AttemptRecord, FenceRequest } from '../../src/core/ports/audit.js';
import { attemptIn, moved } from '../support/audit-fixtures.js';
import { at, type ContractStores, control, expectStoreTimeBetween, written } from './contract-support.js';

const INSTANCE = '01INSTANCEFENCE';

/** `fence` before every signed cancel, and the reads on the store's clock: `heldCalls`, `idleAttempts`. */
export function fenceContract(stores: ContractStores): void {
  const { fresh, another } = stores;
  const ask = (record: AttemptRecord, patch: Partial<FenceRequest> = {}): FenceRequest => ({
    attemptId: record.attemptId,
    orderNo: record.orderNo!,
    instanceId: INSTANCE,
    signingAt: stores.clock.now(),
    acceptForMs: 130_000,
    ...patch,
  });

  it('a fence passes for a calling attempt of a live instance that holds its lock, and keeps the latest acceptUntil', async () => {
    const store = await fresh();
    const { clock } = stores;
    await store.renewLease(INSTANCE, 60_000);
    const record = await attemptIn(store, ['confirmed', 'calling'], {
      instanceId: INSTANCE,
      sendFence: true,
    });

    // Signed ahead of the store's clock: the skew is added, so WDT may accept it until signingAt + acceptForMs.
    const ahead = new Date(clock.now().getTime() + 10_000);
    const first = await store.fence(ask(record, { signingAt: ahead, acceptForMs: 120_000 }));
    expect(first).toEqual({ ok: true, acceptUntil: new Date(ahead.getTime() + 120_000).toISOString() });
    // A later fence that allows less never shortens what an earlier one allowed.
    const second = await another().then((other) => other.fence(ask(record, { acceptForMs: 1_000 })));
    expect(second).toEqual(first);
    const further = new Date(clock.now().getTime() + 3_600_000);
    const third = await store.fence(ask(record, { signingAt: further, acceptForMs: 120_000 }));
    expect(third).toEqual({ ok: true, acceptUntil: new Date(further.getTime() + 120_000).toISOString() });
    expect((await store.heldCalls())[0]?.acceptUntil).toBe(third.ok ? third.acceptUntil : null);

    // Signed behind the store's clock: the skew counts too, from the store's time of the fence.
    const behind = await attemptIn(store, ['confirmed', 'calling'], { instanceId: INSTANCE });
    const before = clock.now();
    const lagging = await store.fence(
      ask(behind, { signingAt: new Date(before.getTime() - 30_000), acceptForMs: 120_000 }),
    );
    const after = clock.now();
    expect(lagging.ok).toBe(true);
    const skewed = (now: Date) =>
      new Date(now.getTime() + 120_000 + (now.getTime() - before.getTime() + 30_000));
    expectStoreTimeBetween(lagging.ok ? lagging.acceptUntil : undefined, skewed(before), skewed(after));
    expect(await store.verifyChain()).toMatchObject({ entries: 6 });
  });

  it('a fence refuses, recording nothing, when superseded, without a live lease, or paused', async () => {
    const store = await fresh();
    const { clock } = stores;
    await store.renewLease(INSTANCE, 60_000);
    await store.renewLease('01INSTANCEOTHER', 60_000);
    const record = await attemptIn(store, ['confirmed', 'calling'], { instanceId: INSTANCE });

    expect(await store.fence(ask(record, { instanceId: '01INSTANCEOTHER' }))).toEqual({
      ok: false,
      reason: 'superseded',
      current: record,
    });
    expect(await store.fence(ask({ ...record, attemptId: '01NOSUCHATTEMPT' }))).toEqual({
      ok: false,
      reason: 'superseded',
      current: null,
    });
    // A fence for another order than the attempt's is a bug in the caller: it fails loudly.
    await expect(store.fence(ask(record, { orderNo: 'RK2024050199999' }))).rejects.toThrow(/is about/);
    await store.recordControl(control('paused', '01TESTFENCEPAUSE'), at(1));
    expect(await store.fence(ask(record))).toEqual({ ok: false, reason: 'paused', current: record });
    await store.recordControl(control('resumed', '01TESTFENCERESUME'), at(2));
    await store.dropLease(INSTANCE);
    expect(await store.fence(ask(record))).toEqual({ ok: false, reason: 'lease_expired', current: record });
    await store.renewLease(INSTANCE, 200);
    await clock.elapse(250);
    expect(await store.fence(ask(record))).toMatchObject({ ok: false, reason: 'lease_expired' });
    expect((await store.heldCalls())[0]?.acceptUntil).toBeNull();
    await expect(store.fence(ask(record, { signingAt: new Date(Number.NaN) }))).rejects.toThrow(/signingAt/);

    // Taken over (a reconciler moved it to awaiting_verdict): the process that called is superseded.
    await store.renewLease(INSTANCE, 60_000);
    const [waiting] = (await written(store, [{ from: 'calling', record: moved(record, 'awaiting_verdict') }]))
      .records;
    expect(await store.fence(ask(record))).toEqual({ ok: false, reason: 'superseded', current: waiting });
  });

  it('heldCalls lists the attempts holding locks, oldest first, with age, owner liveness and acceptUntil by the store’s clock', async () => {
    const store = await fresh();
    const { clock } = stores;
    expect(await store.heldCalls()).toEqual([]);
    await store.renewLease('01INSTANCELIVE', 60_000);
    await store.renewLease('01INSTANCEGONE', 200);
    const live = await attemptIn(store, ['confirmed', 'calling'], {
      orderNo: 'RK2024050100201',
      instanceId: '01INSTANCELIVE',
    });
    const fence = await store.fence({
      attemptId: live.attemptId,
      orderNo: live.orderNo!,
      instanceId: '01INSTANCELIVE',
      signingAt: new Date(clock.now().getTime() + 5_000),
      acceptForMs: 120_000,
    });
    await clock.elapse(300);
    const gone = await attemptIn(store, ['confirmed', 'calling'], {
      orderNo: 'RK2024050100202',
      instanceId: '01INSTANCEGONE',
    });
    const legacy = await attemptIn(store, ['confirmed', 'calling', 'awaiting_verdict'], {
      orderNo: 'RK2024050100203',
    });
    await attemptIn(store, ['confirmed', 'calling', 'cancelled'], { orderNo: 'RK2024050100204' });
    await clock.elapse(150);

    const before = clock.now();
    const held = await (await another()).heldCalls();
    const after = clock.now();

    expect(
      held.map((call) => [call.orderNo, call.record.attemptId, call.ownerLive, call.acceptUntil]),
    ).toEqual([
      ['RK2024050100201', live.attemptId, true, fence.ok ? fence.acceptUntil : 'no fence'],
      ['RK2024050100202', gone.attemptId, false, null],
      ['RK2024050100203', legacy.attemptId, null, null],
    ]);
    expect(held.map((call) => call.record)).toEqual([
      live,
      gone,
      (await store.findAttempt(legacy.attemptId))!,
    ]);
    expect(new Set(held.map((call) => call.dbNow)).size).toBe(1);
    expectStoreTimeBetween(held[0]!.dbNow, before, after);
    if (clock.exact) {
      expect(held.map((call) => call.heldForMs)).toEqual([450, 150, 150]);
    } else {
      expect(held[0]!.heldForMs).toBeGreaterThanOrEqual(450);
      expect(held[1]!.heldForMs).toBeGreaterThanOrEqual(150);
      expect(held[0]!.heldForMs - held[1]!.heldForMs).toBeGreaterThanOrEqual(300);
    }
  });

  it('idleAttempts lists attempts in the given states for at least idleForMs, oldest first, at most limit', async () => {
    const store = await fresh();
    const { clock } = stores;
    const a = await attemptIn(store, []);
    await clock.elapse(1_000);
    const b = await attemptIn(store, []);
    const c = await attemptIn(store, ['confirmed']);

    // b and c are younger than 800 ms even on a busy machine with a real clock.
    const idle = await store.idleAttempts({ states: ['requested'], idleForMs: 800, limit: 10 });
    expect(idle.map((i) => i.record)).toEqual([a]);
    expect(idle[0]!.inStateForMs).toBeGreaterThanOrEqual(1_000);
    if (clock.exact) expect(idle[0]!.inStateForMs).toBe(1_000);
    const all = await store.idleAttempts({ states: ['requested', 'confirmed'], idleForMs: 0, limit: 10 });
    expect(all.map((i) => i.record.attemptId)).toEqual([a.attemptId, b.attemptId, c.attemptId]);
    const first = await store.idleAttempts({ states: ['requested', 'confirmed'], idleForMs: 0, limit: 1 });
    expect(first.map((i) => i.record)).toEqual([a]);
    expect(await store.idleAttempts({ states: [], idleForMs: 0, limit: 10 })).toEqual([]);

    // Moving on starts the time in state again.
    await written(store, [{ from: 'requested', record: moved(a, 'confirmed') }]);
    expect(
      await store.idleAttempts({ states: ['confirmed', 'requested'], idleForMs: 800, limit: 10 }),
    ).toEqual([]);
  });
}
