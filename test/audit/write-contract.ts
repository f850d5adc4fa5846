import { expect, it } from 'vitest';
import type { AttemptRecord, AuditStore } from '../../src/core/ports/audit.js';
import { attemptIn, buildRecord, moved } from '../support/audit-fixtures.js';
import {
  at,
  type ContractStores,
  collect,
  expectLinearChain,
  expectStoreTimeBetween,
  written,
} from './contract-support.js';

const entriesOf = async (store: AuditStore) => (await store.verifyChain()).entries;

/** `write`: compare-and-set transitions, the order locks they take and release, verdict times and guards. */
export function writeContract(stores: ContractStores): void {
  const { fresh, another } = stores;

  it('writes a new attempt and moves it along the table, each move answering with the stored record', async () => {
    const store = await fresh();
    const record = buildRecord();
    expect(await written(store, [{ from: null, record }])).toMatchObject({
      entries: [{ event: 'requested', record }],
      records: [record],
    });
    const confirmed = moved(record, 'confirmed', { approverIds: ['U0BOSS'], approvalRequested: true });
    const approved = moved(confirmed, 'approved');
    const result = await written(store, [{ from: 'requested', record: confirmed }]);
    expect(result.records).toEqual([confirmed]);
    await written(store, [{ from: 'confirmed', record: approved }]);
    expect(await store.findAttempt(record.attemptId)).toEqual(approved);
    expect((await collect(store.entries())).map((e) => e.event)).toEqual([
      'requested',
      'confirmed',
      'approved',
    ]);
  });

  it('is stale when the attempt is no longer in `from`: writes nothing and names what it is now', async () => {
    const store = await fresh();
    const record = buildRecord();
    await written(store, [{ from: null, record }]);
    const confirmed = moved(record, 'confirmed');
    await written(store, [{ from: 'requested', record: confirmed }]);

    expect(await store.write([{ from: 'requested', record: moved(record, 'denied') }], at(1))).toEqual({
      ok: false,
      conflict: { kind: 'stale', attemptId: record.attemptId, current: confirmed },
    });
    expect(await store.write([{ from: null, record }], at(1))).toEqual({
      ok: false,
      conflict: { kind: 'stale', attemptId: record.attemptId, current: confirmed },
    });
    const unknown = buildRecord({ state: 'confirmed' });
    expect(await store.write([{ from: 'requested', record: unknown }], at(1))).toEqual({
      ok: false,
      conflict: { kind: 'stale', attemptId: unknown.attemptId, current: null },
    });
    expect(await entriesOf(store)).toBe(2);
    expect(await store.findAttempt(unknown.attemptId)).toBeNull();
  });

  it('throws on a move that is not in the table, or a record that does not fit, and writes nothing', async () => {
    const store = await fresh();
    const record = buildRecord();
    await written(store, [{ from: null, record }]);
    await expect(
      store.write([{ from: 'requested', record: moved(record, 'cancelled') }], at(1)),
    ).rejects.toThrow(/requested → cancelled is not a transition/);
    await expect(
      store.write([{ from: null, record: moved(buildRecord(), 'calling') }], at(1)),
    ).rejects.toThrow(/\(new\) → calling is not a transition/);
    await expect(
      store.write([{ from: 'requested', record: moved(record, 'confirmed'), event: 'corrected' }], at(1)),
    ).rejects.toThrow(/not a transition/);
    await expect(store.write([{ from: null, record: buildRecord() }], new Date(Number.NaN))).rejects.toThrow(
      /valid Date/,
    );
    const other = buildRecord();
    await expect(
      store.write(
        [
          { from: null, record: other },
          { from: 'requested', record: moved(record, 'refused') },
        ],
        at(1),
      ),
    ).rejects.toThrow(/not a transition/);
    expect(await entriesOf(store)).toBe(1);
    expect(await store.findAttempt(other.attemptId)).toBeNull();
  });

  it('entering calling takes the order lock at the store’s time; another attempt of the order is told who holds it', async () => {
    const store = await fresh();
    const holder = await attemptIn(store, ['confirmed'], {
      orderNo: 'RK2024050100042',
      requesterId: 'U0ALICE',
    });
    const rival = await attemptIn(store, ['confirmed'], { orderNo: 'RK2024050100042', requesterId: 'U0BOB' });
    const before = stores.clock.now();
    await written(store, [{ from: 'confirmed', record: moved(holder, 'calling') }]);
    const after = stores.clock.now();

    const result = await store.write([{ from: 'confirmed', record: moved(rival, 'calling') }], at(2));

    expect(result).toMatchObject({
      ok: false,
      conflict: {
        kind: 'locked',
        attemptId: rival.attemptId,
        holder: { attemptId: holder.attemptId, requesterId: 'U0ALICE' },
      },
    });
    expectStoreTimeBetween(
      !result.ok && result.conflict.kind === 'locked' ? result.conflict.holder.since : undefined,
      before,
      after,
    );
    expect(await store.findAttempt(rival.attemptId)).toEqual(rival);
    expect(await entriesOf(store)).toBe(5);
    const [lock] = await store.heldLocks();
    expect(lock).toMatchObject({ orderNo: 'RK2024050100042', attemptId: holder.attemptId });
    expectStoreTimeBetween(lock?.since, before, after);
  });

  it('leaving calling or awaiting_verdict for a final state releases the lock, and another attempt can take it', async () => {
    const store = await fresh();
    const orderNo = 'RK2024050100043';
    const first = await attemptIn(store, ['confirmed', 'calling'], { orderNo });
    const second = await attemptIn(store, ['confirmed'], { orderNo });
    const third = await attemptIn(store, ['confirmed'], { orderNo });
    const other = await attemptIn(store, ['confirmed', 'calling'], { orderNo: 'RK2024050100044' });

    await written(store, [{ from: 'calling', record: moved(first, 'refused', { wdtCode: '1001' }) }]);
    await written(store, [{ from: 'confirmed', record: moved(second, 'calling') }]);
    expect((await store.heldLocks()).map((lock) => lock.attemptId).sort()).toEqual(
      [second.attemptId, other.attemptId].sort(),
    );
    await written(store, [{ from: 'calling', record: moved(second, 'awaiting_verdict') }]);
    expect(await store.write([{ from: 'confirmed', record: moved(third, 'calling') }], at(3))).toMatchObject({
      ok: false,
      conflict: { kind: 'locked', holder: { attemptId: second.attemptId } },
    });
    await written(store, [{ from: 'awaiting_verdict', record: moved(second, 'reconciled_cancelled') }]);
    await written(store, [{ from: 'confirmed', record: moved(third, 'calling') }]);
    expect((await store.heldCalls()).map((call) => call.record.attemptId).sort()).toEqual(
      [third.attemptId, other.attemptId].sort(),
    );
  });

  it('applies several transitions of one attempt in one write, in order, and all or nothing', async () => {
    const store = await fresh();
    const record = buildRecord({ orderNo: 'RK2024050100045' });
    await written(store, [{ from: null, record }]);
    const confirmed = moved(record, 'confirmed', { approvalRequested: false });
    const calling = moved(confirmed, 'calling', { instanceId: '01INSTANCEA', sendFence: true });

    expect(
      await store.write(
        [
          { from: 'confirmed', record: calling },
          { from: 'requested', record: confirmed },
        ],
        at(1),
      ),
    ).toMatchObject({ ok: false, conflict: { kind: 'stale', current: record } });
    const result = await written(
      store,
      [
        { from: 'requested', record: confirmed },
        { from: 'confirmed', record: calling },
      ],
      at(1),
    );
    expect(result.entries.map((e) => [e.seq, e.event])).toEqual([
      [2, 'confirmed'],
      [3, 'calling'],
    ]);
    expect(result.records).toEqual([confirmed, calling]);
    expect(await store.findAttempt(record.attemptId)).toEqual(calling);
    expect((await store.heldLocks()).map((lock) => lock.attemptId)).toEqual([record.attemptId]);

    // Two attempts in one write: the second is locked out, so neither is written.
    const a = await attemptIn(store, ['confirmed']);
    const b = await attemptIn(store, ['confirmed'], { orderNo: record.orderNo });
    expect(
      await store.write(
        [
          { from: 'confirmed', record: moved(a, 'calling') },
          { from: 'confirmed', record: moved(b, 'calling') },
        ],
        at(2),
      ),
    ).toMatchObject({ ok: false, conflict: { kind: 'locked', attemptId: b.attemptId } });
    expect(await store.findAttempt(a.attemptId)).toEqual(a);
    expect((await store.heldLocks()).map((lock) => lock.attemptId)).toEqual([record.attemptId]);
    expect(await entriesOf(store)).toBe(7);
  });

  it('a write that releases a lock and one that takes it may be the same write', async () => {
    const store = await fresh();
    const orderNo = 'RK2024050100046';
    const done = await attemptIn(store, ['confirmed', 'calling', 'awaiting_verdict'], { orderNo });
    const next = await attemptIn(store, ['confirmed'], { orderNo });
    await written(store, [
      { from: 'awaiting_verdict', record: moved(done, 'cancelled') },
      { from: 'confirmed', record: moved(next, 'calling') },
    ]);
    expect((await store.heldLocks()).map((lock) => lock.attemptId)).toEqual([next.attemptId]);
    const last = await attemptIn(store, ['confirmed'], { orderNo });
    await written(store, [
      { from: 'calling', record: moved(next, 'failed') },
      { from: 'confirmed', record: moved(last, 'calling') },
      { from: 'calling', record: moved(last, 'cancelled') },
    ]);
    expect(await store.heldLocks()).toEqual([]);
  });

  it('entering awaiting_verdict sets verdictAfter to the latest of the store’s time, the writer’s floor and the fences', async () => {
    const store = await fresh();
    const { clock } = stores;

    const plain = await attemptIn(store, ['confirmed', 'calling']);
    const before = clock.now();
    const [waiting] = (await written(store, [{ from: 'calling', record: moved(plain, 'awaiting_verdict') }]))
      .records;
    expectStoreTimeBetween(waiting!.verdictAfter, before, clock.now());
    expect(await store.findAttempt(plain.attemptId)).toEqual(waiting);

    const floored = await attemptIn(store, ['confirmed', 'calling']);
    const floor = new Date(clock.now().getTime() + 60_000).toISOString();
    const [withFloor] = (
      await written(store, [
        { from: 'calling', record: moved(floored, 'awaiting_verdict', { verdictAfter: floor }) },
      ])
    ).records;
    expect(withFloor!.verdictAfter).toBe(floor);

    const past = await attemptIn(store, ['confirmed', 'calling']);
    const early = clock.now();
    const [pastFloor] = (
      await written(store, [
        {
          from: 'calling',
          record: moved(past, 'awaiting_verdict', { verdictAfter: '2024-05-01T00:00:00.000Z' }),
        },
      ])
    ).records;
    expectStoreTimeBetween(pastFloor!.verdictAfter, early, clock.now());

    await store.renewLease('01INSTANCEF', 60_000);
    const fenced = await attemptIn(store, ['confirmed', 'calling'], { instanceId: '01INSTANCEF' });
    // Signed an hour ahead of the store's clock: WDT may accept it until an hour and 2 minutes from now.
    const signingAt = new Date(clock.now().getTime() + 3_600_000);
    const fence = await store.fence({
      attemptId: fenced.attemptId,
      orderNo: fenced.orderNo!,
      instanceId: '01INSTANCEF',
      signingAt,
      acceptForMs: 120_000,
    });
    expect(fence).toEqual({ ok: true, acceptUntil: new Date(signingAt.getTime() + 120_000).toISOString() });
    const [afterFence] = (
      await written(store, [
        { from: 'calling', record: moved(fenced, 'awaiting_verdict', { verdictAfter: floor }) },
      ])
    ).records;
    expect(afterFence!.verdictAfter).toBe(fence.ok ? fence.acceptUntil : '');
  });

  it('a transition may not change what identifies the attempt or its order, and writes nothing when it tries', async () => {
    const store = await fresh();
    const record = await attemptIn(store, ['confirmed']);
    for (const change of [
      { orderNo: 'RK2024050199999' },
      { batchId: '01OTHERBATCH' },
      { requesterId: 'U0OTHER' },
    ]) {
      await expect(
        store.write([{ from: 'confirmed', record: moved(record, 'calling', change) }], at(1)),
      ).rejects.toThrow(/may not change its/);
    }
    expect(await store.findAttempt(record.attemptId)).toEqual(record);
    expect(await store.heldCalls()).toEqual([]);
  });

  it('keeps verdictAfter as the store set it, whatever a later writer passes', async () => {
    const store = await fresh();
    const calling = await attemptIn(store, ['confirmed', 'calling']);
    const [waiting] = (
      await written(store, [{ from: 'calling', record: moved(calling, 'awaiting_verdict') }])
    ).records;
    const { verdictAfter: _dropped, ...withoutIt } = moved(waiting!, 'reconciled_cancelled');
    const [done] = (await written(store, [{ from: 'awaiting_verdict', record: withoutIt }])).records;
    expect(done!.verdictAfter).toBe(waiting!.verdictAfter);
    expect((await store.findAttempt(calling.attemptId))!.verdictAfter).toBe(waiting!.verdictAfter);
  });

  it('a verdict of not cancelled out of awaiting_verdict waits for verdictAfter; a cancel does not', async () => {
    const store = await fresh();
    const { clock } = stores;
    const one = await attemptIn(store, ['confirmed', 'calling']);
    const two = await attemptIn(store, ['confirmed', 'calling']);
    const three = await attemptIn(store, ['confirmed', 'calling']);
    // Far enough ahead that the few writes before the early verdicts surely take less, on a real clock too.
    const floor = new Date(clock.now().getTime() + 2_000).toISOString();
    for (const record of [one, two, three]) {
      await written(store, [
        { from: 'calling', record: moved(record, 'awaiting_verdict', { verdictAfter: floor }) },
      ]);
    }
    const waiting = (await store.findAttempt(one.attemptId))!;

    const notCancelled = moved(waiting, 'reconciled_not_cancelled', { statusAfter: 30 });
    expect(await store.write([{ from: 'awaiting_verdict', record: notCancelled }], at(1))).toEqual({
      ok: false,
      conflict: { kind: 'too_early', attemptId: one.attemptId, current: waiting },
    });
    const released = moved((await store.findAttempt(two.attemptId))!, 'released_unverified', {
      releasedBy: 'U0ADMIN',
      releaseReason: 'WDT shows nothing',
    });
    expect(await store.write([{ from: 'awaiting_verdict', record: released }], at(1))).toMatchObject({
      ok: false,
      conflict: { kind: 'too_early' },
    });
    await written(store, [{ from: 'awaiting_verdict', record: moved(three, 'reconciled_cancelled') }]);
    expect((await store.heldCalls()).map((call) => call.record.state)).toEqual([
      'awaiting_verdict',
      'awaiting_verdict',
    ]);

    await clock.elapse(2_100);
    await written(store, [{ from: 'awaiting_verdict', record: notCancelled }], at(2));
    await written(store, [{ from: 'awaiting_verdict', record: released }], at(2));
    expect(await store.heldCalls()).toEqual([]);
  });

  it('guards bound how long the attempt has been in `from`, by the store’s clock', async () => {
    const store = await fresh();
    const { clock } = stores;
    const a = await attemptIn(store, ['confirmed']);
    const b = await attemptIn(store, ['confirmed']);
    const failed = (record: AttemptRecord) => moved(record, 'failed', { detail: 'stale' });

    expect(
      await store.write(
        [{ from: 'confirmed', record: failed(a), guard: { inStateAtLeastMs: 60_000 } }],
        at(1),
      ),
    ).toEqual({ ok: false, conflict: { kind: 'too_early', attemptId: a.attemptId, current: a } });
    await clock.elapse(250);
    expect(
      await store.write([{ from: 'confirmed', record: failed(b), guard: { inStateUnderMs: 200 } }], at(1)),
    ).toEqual({ ok: false, conflict: { kind: 'too_late', attemptId: b.attemptId, current: b } });
    await written(store, [{ from: 'confirmed', record: failed(a), guard: { inStateAtLeastMs: 200 } }]);
    await written(store, [
      { from: 'confirmed', record: moved(b, 'calling'), guard: { inStateUnderMs: 60_000 } },
    ]);
    // Time in state starts again at each move.
    expect(
      await store.write(
        [{ from: 'calling', record: moved(b, 'awaiting_verdict'), guard: { inStateAtLeastMs: 60_000 } }],
        at(2),
      ),
    ).toMatchObject({ ok: false, conflict: { kind: 'too_early' } });
  });

  it('annotate adds only its note: the state and the time in it stay, and a late note never brings back an old state', async () => {
    const store = await fresh();
    const { clock } = stores;
    const record = await attemptIn(store, ['confirmed']);
    await clock.elapse(250);
    const note = await store.annotate(
      record.attemptId,
      {
        notifiedVia: 'channel',
        slackChannelId: 'C0OPS',
        slackTs: '1714536000.000100',
        stepCompletedAt: undefined,
      },
      at(5),
    );
    expect(note).toMatchObject({
      event: 'notified',
      at: at(5).toISOString(),
      record: { ...record, notifiedVia: 'channel', slackChannelId: 'C0OPS', slackTs: '1714536000.000100' },
    });
    expect(note!.record).not.toHaveProperty('stepCompletedAt');
    const [idle] = await store.idleAttempts({ states: ['confirmed'], idleForMs: 200, limit: 10 });
    expect(idle?.record).toEqual(note!.record);

    // A writer holding the confirmed record moves it on; a late note about it is written on the new state.
    await written(store, [{ from: 'confirmed', record: moved(record, 'expired') }]);
    const late = await store.annotate(record.attemptId, { notifiedVia: 'dm' }, at(6));
    expect(late?.record).toEqual(moved(record, 'expired', { notifiedVia: 'dm' }));
    expect(await store.findAttempt(record.attemptId)).toEqual(late!.record);
    expect(await store.annotate('01NOSUCHATTEMPT', { notifiedVia: 'dm' }, at(7))).toBeNull();
    expect(await entriesOf(store)).toBe(5);
  });

  it('records one completion of a Workflow step: a second, from a process that also saw it running, writes nothing', async () => {
    const store = await fresh();
    const record = await attemptIn(store, ['confirmed', 'failed']);
    const first = await store.annotate(record.attemptId, { stepCompletedAt: at(5).toISOString() }, at(5));
    expect(first?.record.stepCompletedAt).toBe(at(5).toISOString());
    expect(
      await store.annotate(record.attemptId, { stepCompletedAt: at(6).toISOString() }, at(6)),
    ).toBeNull();
    const noted = await store.annotate(record.attemptId, { notifiedVia: 'channel' }, at(7));
    expect(noted?.record).toMatchObject({ stepCompletedAt: at(5).toISOString(), notifiedVia: 'channel' });
    expect((await store.findAttempt(record.attemptId))?.stepCompletedAt).toBe(at(5).toISOString());
  });

  it('of many writes of one `from`, across two stores, exactly one wins and the chain stays linear', async () => {
    const one = await fresh();
    const two = await another();
    const record = await attemptIn(one, []);
    const outcomes = ['confirmed', 'denied', 'failed'] as const;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? one : two).write([{ from: 'requested', record: moved(record, outcomes[i % 3]!) }], at(i)),
      ),
    );

    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const stored = (await one.findAttempt(record.attemptId))!;
    expect(winners[0]!.ok && winners[0]!.records).toEqual([stored]);
    for (const loser of results.filter((r) => !r.ok)) {
      expect(loser).toEqual({
        ok: false,
        conflict: { kind: 'stale', attemptId: record.attemptId, current: stored },
      });
    }
    expectLinearChain(await collect(two.entries()));
    expect(await one.verifyChain()).toMatchObject({ ok: true, entries: 2 });
  });

  it('of many attempts of one order entering calling across two stores, exactly one takes the lock', async () => {
    const one = await fresh();
    const two = await another();
    const rivals: AttemptRecord[] = [];
    for (let i = 0; i < 20; i += 1)
      rivals.push(await attemptIn(one, ['confirmed'], { orderNo: 'RK2024050100099' }));
    const results = await Promise.all(
      rivals.map((r, i) =>
        (i % 2 ? one : two).write([{ from: 'confirmed', record: moved(r, 'calling') }], at(i)),
      ),
    );

    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!.ok ? winners[0]!.records[0]! : null;
    for (const loser of results.filter((r) => !r.ok)) {
      expect(loser).toMatchObject({ conflict: { kind: 'locked', holder: { attemptId: winner?.attemptId } } });
    }
    expect((await two.heldCalls()).map((call) => call.record)).toEqual([winner]);
    expect(await one.verifyChain()).toMatchObject({ ok: true, entries: 41 });
  });
}
