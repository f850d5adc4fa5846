import { afterEach, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../src/audit/hash-chain.js';
import type { AttemptRecord, AuditStore } from '../../src/core/ports/audit.js';
import { attemptIn, buildRecord, moved } from '../support/audit-fixtures.js';
import { at, type ContractStores, collect, expectLinearChain, written } from './contract-support.js';
import { controlStateContract } from './control-contract.js';
import { fenceContract } from './fence-contract.js';
import { leaseContract } from './lease-contract.js';
import { outboxContract } from './outbox-contract.js';
import { writeContract } from './write-contract.js';

/** What a backend's test gives the contract: its stores and their clock. */
export type StoreHarness = ContractStores;

const requested = (overrides: Partial<AttemptRecord> = {}) => ({
  from: null,
  record: buildRecord(overrides),
});

/** The behaviour every AuditStore backend must have; call inside a describe that owns the harness. */
export function auditStoreContract(harness: () => StoreHarness): void {
  const opened: AuditStore[] = [];
  const track = async (open: Promise<AuditStore>) => {
    const store = await open;
    opened.push(store);
    return store;
  };
  const stores: ContractStores = {
    fresh: () => track(harness().fresh()),
    another: () => track(harness().another()),
    get clock() {
      return harness().clock;
    },
  };
  const { fresh, another } = stores;

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });
  controlStateContract(fresh, another);
  leaseContract(stores);
  writeContract(stores);
  fenceContract(stores);
  outboxContract(stores);

  it('writes entries with consecutive seqs, each hash linking to the previous one', async () => {
    const store = await fresh();
    const record = buildRecord();
    const first = await written(store, [{ from: null, record }], at(0));
    const confirmed = moved(record, 'confirmed', { reason: '重复入库' });
    const second = await written(store, [{ from: 'requested', record: confirmed }], at(1));
    const third = await store.annotate(record.attemptId, { notifiedVia: 'dm' }, at(2));

    expect(first.entries[0]).toMatchObject({
      seq: 1,
      event: 'requested',
      at: '2024-05-01T04:00:00.000Z',
      prevHash: GENESIS_HASH,
    });
    expect(first.records).toEqual([record]);
    expect(first.entries[0]!.record).toEqual(record);
    expect(first.entries[0]!.entryId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(third).toMatchObject({ seq: 3, event: 'notified', record: { ...confirmed, notifiedVia: 'dm' } });
    const chain = [first.entries[0]!, second.entries[0]!, third!];
    expectLinearChain(chain);
    expect(await collect(store.entries())).toEqual(chain);
  });

  it("head names the chain's newest entry, seen from another connection too, and is null while empty", async () => {
    const store = await fresh();
    expect(await store.head()).toBeNull();
    const record = buildRecord();
    await written(store, [{ from: null, record }], at(0));
    const last = await written(store, [{ from: 'requested', record: moved(record, 'confirmed') }], at(1));
    expect(await store.head()).toEqual({ seq: 2, hash: last.entries[0]!.hash });
    expect(await store.verifyChain()).toMatchObject({ ok: true, headHash: last.entries[0]!.hash });
    const other = await another();
    const next = await other.annotate(record.attemptId, { notifiedVia: 'dm' }, at(2));
    expect(await store.head()).toEqual({ seq: 3, hash: next!.hash });
  });

  it('findAttempt returns the latest snapshot, or null for an unknown attempt', async () => {
    const store = await fresh();
    const record = buildRecord();
    await written(store, [{ from: null, record }], at(0));
    const confirmed = moved(record, 'confirmed', { reason: '错误入库', approverIds: ['U0BOSS'] });
    await written(store, [{ from: 'requested', record: confirmed }], at(1));

    expect(await store.findAttempt(record.attemptId)).toEqual(confirmed);
    expect(await store.findAttempt('01NOSUCHATTEMPT')).toBeNull();
  });

  it('orderHistory returns every entry about one order, oldest first', async () => {
    const store = await fresh();
    const a = buildRecord({ orderNo: 'RK2024050100050' });
    const b = buildRecord({ orderNo: 'RK2024050100050' });
    const elsewhere = buildRecord({ orderNo: 'RK2024050100051' });
    await written(store, [{ from: null, record: a }], at(0));
    await written(store, [{ from: null, record: elsewhere }], at(1));
    await written(store, [{ from: null, record: b }], at(2));
    await written(store, [{ from: 'requested', record: moved(a, 'denied') }], at(3));

    const history = await store.orderHistory('RK2024050100050');

    expect(history.map((e) => [e.seq, e.event, e.record.attemptId])).toEqual([
      [1, 'requested', a.attemptId],
      [3, 'requested', b.attemptId],
      [4, 'denied', a.attemptId],
    ]);
    expect(await store.orderHistory('RK0000')).toEqual([]);
  });

  it('recentAttempts returns the latest snapshots newest first, filtered by requester and states', async () => {
    const store = await fresh();
    const a = buildRecord({ requesterId: 'U0ALICE' });
    const b = buildRecord({ requesterId: 'U0BOB' });
    const c = buildRecord({ requesterId: 'U0ALICE' });
    for (const record of [a, b, c]) await written(store, [{ from: null, record }]);
    const aDenied = moved(a, 'denied', { detail: 'not allowed' });
    await written(store, [{ from: 'requested', record: aDenied }]);

    const ids = (records: AttemptRecord[]) => records.map((r) => r.attemptId);
    expect(ids(await store.recentAttempts({ limit: 10 }))).toEqual([a.attemptId, c.attemptId, b.attemptId]);
    expect(await store.recentAttempts({ limit: 1 })).toEqual([aDenied]);
    expect(ids(await store.recentAttempts({ requesterId: 'U0ALICE', limit: 10 }))).toEqual([
      a.attemptId,
      c.attemptId,
    ]);
    expect(ids(await store.recentAttempts({ states: ['requested'], limit: 10 }))).toEqual([
      c.attemptId,
      b.attemptId,
    ]);
    expect(
      ids(await store.recentAttempts({ requesterId: 'U0BOB', states: ['denied', 'requested'], limit: 10 })),
    ).toEqual([b.attemptId]);
    expect(await store.recentAttempts({ states: [], limit: 10 })).toEqual([]);
  });

  it('entries filters by entry time, since inclusive and until exclusive, in chain order', async () => {
    const store = await fresh();
    for (const minute of [0, 10, 20, 30, 40]) await written(store, [requested()], at(minute));

    const seqs = async (range: { since?: Date; until?: Date }) =>
      (await collect(store.entries(range))).map((e) => e.seq);
    expect(await seqs({})).toEqual([1, 2, 3, 4, 5]);
    expect(await seqs({ since: at(10) })).toEqual([2, 3, 4, 5]);
    expect(await seqs({ until: at(30) })).toEqual([1, 2, 3]);
    expect(await seqs({ since: at(10), until: at(30) })).toEqual([2, 3]);
    expect(await seqs({ since: at(41) })).toEqual([]);
  });

  it('entries streams a chain longer than one page, in order, without gaps', async () => {
    const store = await fresh();
    // Exactly two pages of 500: the reader must also stop cleanly on the empty page after a full one.
    const count = 1000;
    await Promise.all(Array.from({ length: count }, (_, i) => written(store, [requested()], at(i))));

    const entries = await collect(store.entries());

    expect(entries).toHaveLength(count);
    expectLinearChain(entries);
  });

  it('verifyChain reports the entry count and head hash; an empty chain is intact at genesis', async () => {
    const store = await fresh();
    expect(await store.verifyChain()).toEqual({ ok: true, entries: 0, headHash: GENESIS_HASH });
    await written(store, [requested()], at(0));
    const last = await written(store, [requested()], at(1));

    expect(await store.verifyChain()).toEqual({ ok: true, entries: 2, headHash: last.entries[0]!.hash });
  });

  it('is durable: after close and reopen the chain, the attempts and the locks are there and it continues', async () => {
    const store = await fresh();
    const waiting = await attemptIn(store, ['confirmed']);
    const head = (await store.head())!;
    const calling = await attemptIn(store, ['confirmed', 'calling']);
    await store.close();

    const reopened = await another();
    expect(await reopened.verifyChain()).toMatchObject({ ok: true, entries: 5 });
    expect(await reopened.findAttempt(waiting.attemptId)).toEqual(waiting);
    expect((await reopened.heldCalls()).map((call) => call.record)).toEqual([calling]);
    const next = await written(reopened, [requested()], at(3));
    expect(next.entries[0]!.seq).toBe(6);
    expect((await reopened.orderHistory(calling.orderNo!))[0]?.prevHash).toBe(head.hash);
    const rival = await attemptIn(reopened, ['confirmed'], { orderNo: calling.orderNo });
    expect(
      await reopened.write([{ from: 'confirmed', record: moved(rival, 'calling') }], at(4)),
    ).toMatchObject({
      ok: false,
      conflict: { kind: 'locked', holder: { attemptId: calling.attemptId } },
    });
  });

  it('keeps one linear chain under 200 concurrent writes', async () => {
    const store = await fresh();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => written(store, [requested()], at(i))),
    );

    expect(new Set(results.map((r) => r.entries[0]!.seq)).size).toBe(200);
    expectLinearChain(await collect(store.entries()));
    expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 200 });
  });

  it('keeps one linear chain when two stores on one database write concurrently', async () => {
    const one = await fresh();
    const two = await another();
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => written(i % 2 ? one : two, [requested()], at(i))),
    );

    expectLinearChain(await collect(one.entries()));
    expect(await two.verifyChain()).toMatchObject({ ok: true, entries: 200 });
  });

  it('ping resolves while the store can write and rejects once it is closed', async () => {
    const store = await fresh();
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await expect(store.ping()).rejects.toThrow(/closed/);
    await expect(store.write([requested()], at(0))).rejects.toThrow(/closed/);
    await store.close();
  });
}
