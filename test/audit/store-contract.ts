import { afterEach, expect, it } from 'vitest';
import { entryHash, GENESIS_HASH } from '../../src/audit/hash-chain.js';
import type { AttemptRecord, AuditEntry, AuditStore } from '../../src/core/ports/audit.js';
import { buildRecord } from '../support/audit-fixtures.js';
import { controlStateContract } from './control-contract.js';
import { leaseContract } from './lease-contract.js';

export interface StoreHarness {
  /** A store over a new, empty database. */
  fresh(): Promise<AuditStore>;
  /** Another store, with its own connection or pool, over the database of the last `fresh()`. */
  another(): Promise<AuditStore>;
}

const T0 = Date.parse('2024-05-01T04:00:00.000Z');
/** A fixed time `minutes` after 2024-05-01 04:00 UTC. */
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

const calling = (record: AttemptRecord): AttemptRecord => ({ ...record, state: 'calling' });

async function collect(entries: AsyncIterable<AuditEntry>): Promise<AuditEntry[]> {
  const all: AuditEntry[] = [];
  for await (const entry of entries) all.push(entry);
  return all;
}

function expectLinearChain(entries: AuditEntry[]): void {
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
  let prev = GENESIS_HASH;
  for (const entry of entries) {
    expect(entry.prevHash).toBe(prev);
    expect(entry.hash).toBe(entryHash(prev, entry));
    prev = entry.hash;
  }
}

/**
 * For a store whose database has been rigged to refuse `calling` entries: confirmAndBeginCall fails with
 * `error` and leaves no trace, not even its claim.
 */
export async function expectNothingKeptWhenTheCallingEntryFails(store: AuditStore, error: RegExp) {
  const confirmed = buildRecord({ state: 'confirmed' });
  await expect(store.confirmAndBeginCall('confirm:Z', confirmed, calling(confirmed), at(0))).rejects.toThrow(
    error,
  );
  expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 0 });
  expect(await store.findAttempt(confirmed.attemptId)).toBeNull();
  expect(await store.claimOnce('confirm:Z', at(1))).toBe(true);
}

/** The behaviour every AuditStore backend must have; call inside a describe that owns the harness. */
export function auditStoreContract(harness: () => StoreHarness): void {
  const opened: AuditStore[] = [];
  const fresh = async () => {
    const store = await harness().fresh();
    opened.push(store);
    return store;
  };
  const another = async () => {
    const store = await harness().another();
    opened.push(store);
    return store;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });
  controlStateContract(fresh, another);

  leaseContract({ fresh, another });

  it('appends entries with consecutive seqs, each hash linking to the previous one', async () => {
    const store = await fresh();
    const record = buildRecord();
    const first = await store.append('requested', record, at(0));
    const second = await store.append(
      'confirmed',
      { ...record, state: 'confirmed', reason: '重复入库' },
      at(1),
    );
    const third = await store.append('notified', { ...record, state: 'confirmed', notifiedVia: 'dm' }, at(2));

    expect(first).toMatchObject({
      seq: 1,
      event: 'requested',
      at: '2024-05-01T04:00:00.000Z',
      prevHash: GENESIS_HASH,
    });
    expect(first.record).toEqual(record);
    expect(first.entryId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(second.prevHash).toBe(first.hash);
    expect(third.prevHash).toBe(second.hash);
    expectLinearChain([first, second, third]);
    expect(await collect(store.entries())).toEqual([first, second, third]);
  });

  it("head names the chain's newest entry, seen from another connection too, and is null while empty", async () => {
    const store = await fresh();
    expect(await store.head()).toBeNull();
    const record = buildRecord();
    await store.append('requested', record, at(0));
    const last = await store.append(
      'confirmed',
      { ...record, state: 'confirmed', reason: '重复入库' },
      at(1),
    );
    expect(await store.head()).toEqual({ seq: 2, hash: last.hash });
    const verdict = await store.verifyChain();
    expect(verdict).toMatchObject({ ok: true, headHash: last.hash });
    const other = await another();
    const next = await other.append('notified', { ...record, state: 'confirmed', notifiedVia: 'dm' }, at(2));
    expect(await store.head()).toEqual({ seq: 3, hash: next.hash });
  });

  it('refuses an entry whose record does not match its event, and appends nothing', async () => {
    const store = await fresh();
    await expect(store.append('cancelled', buildRecord({ state: 'calling' }), at(0))).rejects.toThrow(
      /record\.state is calling/,
    );
    await expect(store.append('requested', buildRecord(), new Date(Number.NaN))).rejects.toThrow(
      /valid Date/,
    );
    expect(await store.verifyChain()).toEqual({ ok: true, entries: 0, headHash: GENESIS_HASH });
  });

  it('claimOnce is true exactly once per key, also under 50 concurrent calls', async () => {
    const store = await fresh();
    expect(await store.claimOnce('confirm:A', at(0))).toBe(true);
    expect(await store.claimOnce('confirm:A', at(1))).toBe(false);
    expect(await store.claimOnce('confirm:B', at(1))).toBe(true);

    const results = await Promise.all(Array.from({ length: 50 }, () => store.claimOnce('confirm:C', at(2))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('beginCall takes the order lock and appends the calling entry', async () => {
    const store = await fresh();
    const record = buildRecord({ state: 'confirmed' });
    const result = await store.beginCall(calling(record), at(1));

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.entry).toMatchObject({ seq: 1, event: 'calling', record: calling(record) });
    expect(await store.findAttempt(record.attemptId)).toEqual(calling(record));
  });

  it('beginCall on a locked order returns the holder and appends nothing', async () => {
    const store = await fresh();
    const holder = buildRecord({ orderNo: 'RK2024050100042', requesterId: 'U0ALICE' });
    const rival = buildRecord({ orderNo: 'RK2024050100042', requesterId: 'U0BOB', state: 'confirmed' });
    await store.append('confirmed', rival, at(0));
    await store.beginCall(calling(holder), at(1));

    const result = await store.beginCall(calling(rival), at(2));

    expect(result).toEqual({
      ok: false,
      holder: { attemptId: holder.attemptId, requesterId: 'U0ALICE', since: '2024-05-01T04:01:00.000Z' },
    });
    expect(await store.findAttempt(rival.attemptId)).toEqual(rival);
    expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 2 });
  });

  it('confirmAndBeginCall claims, confirms and takes the lock in one write; the same key again writes nothing', async () => {
    const store = await fresh();
    const confirmed = buildRecord({ state: 'confirmed', reason: '供应商重复入库' });
    const result = await store.confirmAndBeginCall('confirm:X', confirmed, calling(confirmed), at(1));

    expect(result).toMatchObject({
      kind: 'begun',
      confirmed: { seq: 1, event: 'confirmed', record: confirmed },
      calling: { seq: 2, event: 'calling', record: calling(confirmed) },
    });
    expect(await store.findStuckCalling()).toEqual([calling(confirmed)]);
    expect(await store.claimOnce('confirm:X', at(2))).toBe(false);

    const again = await store.confirmAndBeginCall('confirm:X', confirmed, calling(confirmed), at(3));
    expect(again).toEqual({ kind: 'already_claimed' });
    expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 2 });
  });

  it('confirmAndBeginCall on a locked order keeps the claim and the confirmation, and names the holder', async () => {
    const store = await fresh();
    const holder = buildRecord({ orderNo: 'RK2024050100044', requesterId: 'U0ALICE' });
    await store.beginCall(calling(holder), at(1));
    const rival = buildRecord({ orderNo: 'RK2024050100044', requesterId: 'U0BOB', state: 'confirmed' });

    const result = await store.confirmAndBeginCall('confirm:rival', rival, calling(rival), at(2));

    expect(result).toMatchObject({
      kind: 'locked',
      confirmed: { seq: 2, event: 'confirmed', record: rival },
      holder: { attemptId: holder.attemptId, requesterId: 'U0ALICE', since: '2024-05-01T04:01:00.000Z' },
    });
    expect(await store.findAttempt(rival.attemptId)).toEqual(rival);
    expect(await store.claimOnce('confirm:rival', at(3))).toBe(false);
    expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 2 });
  });

  it('confirmAndBeginCall refuses records that do not fit together, and takes no claim', async () => {
    const store = await fresh();
    const confirmed = buildRecord({ state: 'confirmed' });
    const stranger = calling(buildRecord());
    await expect(store.confirmAndBeginCall('confirm:Y', confirmed, stranger, at(1))).rejects.toThrow(
      /same attempt/,
    );
    await expect(
      store.confirmAndBeginCall('confirm:Y', confirmed, { ...calling(confirmed), orderNo: null }, at(1)),
    ).rejects.toThrow(/orderNo/);
    await expect(
      store.confirmAndBeginCall('confirm:Y', calling(confirmed), calling(confirmed), at(1)),
    ).rejects.toThrow(/record\.state is calling/);

    expect(await store.verifyChain()).toEqual({ ok: true, entries: 0, headHash: GENESIS_HASH });
    expect(await store.claimOnce('confirm:Y', at(2))).toBe(true);
  });

  it('finishCall appends the outcome and releases the lock so a later attempt can begin', async () => {
    const store = await fresh();
    const first = buildRecord({ orderNo: 'RK2024050100043' });
    const second = buildRecord({ orderNo: 'RK2024050100043' });
    const other = buildRecord({ orderNo: 'RK2024050100044' });
    await store.beginCall(calling(first), at(1));
    await store.beginCall(calling(other), at(1));

    const outcome = { ...first, state: 'refused' as const, wdtOutcome: 'refused', wdtCode: '1001' };
    const finished = await store.finishCall('refused', outcome, at(2));

    expect(finished).toMatchObject({ seq: 3, event: 'refused', record: outcome });
    expect(await store.findAttempt(first.attemptId)).toEqual(outcome);
    expect((await store.beginCall(calling(second), at(3))).ok).toBe(true);
    expect(await store.beginCall(calling(buildRecord({ orderNo: 'RK2024050100044' })), at(3))).toMatchObject({
      ok: false,
      holder: { attemptId: other.attemptId },
    });
    await expect(store.finishCall('calling', calling(second), at(4))).rejects.toThrow(/outcome state/);
  });

  it('findStuckCalling lists the attempts whose latest state is calling', async () => {
    const store = await fresh();
    const stuck = buildRecord();
    const done = buildRecord();
    const waiting = buildRecord();
    await store.beginCall(calling(stuck), at(1));
    await store.beginCall(calling(done), at(2));
    await store.finishCall('cancelled', { ...done, state: 'cancelled' }, at(3));
    await store.append('requested', waiting, at(4));

    expect(await store.findStuckCalling()).toEqual([calling(stuck)]);
  });

  it('findAttempt returns the latest snapshot, or null for an unknown attempt', async () => {
    const store = await fresh();
    const record = buildRecord();
    await store.append('requested', record, at(0));
    const confirmed = { ...record, state: 'confirmed' as const, reason: '错误入库', approverIds: ['U0BOSS'] };
    await store.append('confirmed', confirmed, at(1));

    expect(await store.findAttempt(record.attemptId)).toEqual(confirmed);
    expect(await store.findAttempt('01NOSUCHATTEMPT')).toBeNull();
  });

  it('orderHistory returns every entry about one order, oldest first', async () => {
    const store = await fresh();
    const a = buildRecord({ orderNo: 'RK2024050100050' });
    const b = buildRecord({ orderNo: 'RK2024050100050' });
    const elsewhere = buildRecord({ orderNo: 'RK2024050100051' });
    await store.append('requested', a, at(0));
    await store.append('requested', elsewhere, at(1));
    await store.append('requested', b, at(2));
    await store.append('expired', { ...a, state: 'expired' }, at(3));

    const history = await store.orderHistory('RK2024050100050');

    expect(history.map((e) => [e.seq, e.event, e.record.attemptId])).toEqual([
      [1, 'requested', a.attemptId],
      [3, 'requested', b.attemptId],
      [4, 'expired', a.attemptId],
    ]);
    expect(await store.orderHistory('RK0000')).toEqual([]);
  });

  it('recentAttempts returns the latest snapshots newest first, filtered by requester and states', async () => {
    const store = await fresh();
    const a = buildRecord({ requesterId: 'U0ALICE' });
    const b = buildRecord({ requesterId: 'U0BOB' });
    const c = buildRecord({ requesterId: 'U0ALICE' });
    await store.append('requested', a, at(0));
    await store.append('requested', b, at(1));
    await store.append('requested', c, at(2));
    const aDenied = { ...a, state: 'denied' as const, detail: 'not allowed' };
    await store.append('denied', aDenied, at(3));

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
    for (const minute of [0, 10, 20, 30, 40]) await store.append('requested', buildRecord(), at(minute));

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
    await Promise.all(
      Array.from({ length: count }, (_, i) => store.append('requested', buildRecord(), at(i))),
    );

    const entries = await collect(store.entries());

    expect(entries).toHaveLength(count);
    expectLinearChain(entries);
  });

  it('verifyChain reports the entry count and head hash; an empty chain is intact at genesis', async () => {
    const store = await fresh();
    expect(await store.verifyChain()).toEqual({ ok: true, entries: 0, headHash: GENESIS_HASH });
    await store.append('requested', buildRecord(), at(0));
    const last = await store.append('requested', buildRecord(), at(1));

    expect(await store.verifyChain()).toEqual({ ok: true, entries: 2, headHash: last.hash });
  });

  it('is durable: after close and reopen the head is the same and the chain continues', async () => {
    const store = await fresh();
    await store.append('requested', buildRecord(), at(0));
    const head = await store.append('requested', buildRecord(), at(1));
    const record = buildRecord();
    await store.beginCall(calling(record), at(2));
    await store.close();

    const reopened = await another();
    expect(await reopened.verifyChain()).toMatchObject({ ok: true, entries: 3 });
    expect(await reopened.findStuckCalling()).toEqual([calling(record)]);
    const next = await reopened.append('requested', buildRecord(), at(3));
    expect(next.seq).toBe(4);
    expect((await reopened.orderHistory(record.orderNo!))[0]?.prevHash).toBe(head.hash);
    expect(await reopened.beginCall(calling(buildRecord({ orderNo: record.orderNo })), at(4))).toMatchObject({
      ok: false,
    });
  });

  it('keeps one linear chain under 200 concurrent appends', async () => {
    const store = await fresh();
    const entries = await Promise.all(
      Array.from({ length: 200 }, (_, i) => store.append('requested', buildRecord(), at(i))),
    );

    expect(new Set(entries.map((e) => e.seq)).size).toBe(200);
    expectLinearChain(await collect(store.entries()));
    expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 200 });
  });

  it('keeps one linear chain when two stores on one database append concurrently', async () => {
    const one = await fresh();
    const two = await another();
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? one : two).append('requested', buildRecord(), at(i))),
    );

    expectLinearChain(await collect(one.entries()));
    expect(await two.verifyChain()).toMatchObject({ ok: true, entries: 200 });
  });

  it('lets exactly one of two stores win a beginCall race on one order, and claimOnce across stores', async () => {
    const one = await fresh();
    const two = await another();
    const rivals = Array.from({ length: 20 }, () => buildRecord({ orderNo: 'RK2024050100099' }));
    const results = await Promise.all(rivals.map((r, i) => (i % 2 ? one : two).beginCall(calling(r), at(i))));

    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;
    expect(winner.ok && winner.entry.seq).toBe(1);
    for (const loser of results.filter((r) => !r.ok)) {
      expect(loser).toMatchObject({ holder: { attemptId: winner.ok ? winner.entry.record.attemptId : '' } });
    }
    expect(await one.verifyChain()).toMatchObject({ ok: true, entries: 1 });

    const claims = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? one : two).claimOnce('confirm:race', at(0))),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('lets exactly one of many confirmAndBeginCall calls on one key win, across two stores', async () => {
    const one = await fresh();
    const two = await another();
    const confirmed = buildRecord({ state: 'confirmed', orderNo: 'RK2024050100098' });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? one : two).confirmAndBeginCall('confirm:twice', confirmed, calling(confirmed), at(i)),
      ),
    );

    expect(results.filter((r) => r.kind === 'begun')).toHaveLength(1);
    expect(results.filter((r) => r.kind === 'already_claimed')).toHaveLength(19);
    expect(await one.verifyChain()).toMatchObject({ ok: true, entries: 2 });
  });

  it('ping resolves while the store can write and rejects once it is closed', async () => {
    const store = await fresh();
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await expect(store.ping()).rejects.toThrow(/closed/);
    await expect(store.append('requested', buildRecord(), at(0))).rejects.toThrow(/closed/);
    await store.close();
  });
}
