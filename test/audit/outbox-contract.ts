import { expect, it } from 'vitest';
import type { AttemptRecord, AuditStore } from '../../src/core/ports/audit.js';
import type { ClaimedDelivery, OutboxItem, OutboxRow } from '../../src/core/ports/outbox.js';
import { attemptIn, buildRecord, moved } from '../support/audit-fixtures.js';
import { at, type ContractStores, control, expectStoreTimeBetween } from './contract-support.js';

let owedCount = 0;

/** A message owed to the audit channel's batch slot; each call gets a key (and a slot) of its own. */
function owedItem(overrides: Partial<OutboxItem> = {}): OutboxItem {
  owedCount += 1;
  return {
    key: `test-key:${owedCount}`,
    slot: `test-slot:${owedCount}`,
    mode: 'post',
    channelId: 'C0OPS',
    attemptIds: [],
    body: { kind: 'batch', batchId: `01TESTBATCH${owedCount}` },
    ...overrides,
  };
}

const ALL_STATES = ['pending', 'delivered', 'superseded', 'given_up'] as const;
const LONG = 60_000;

/** Writes a new attempt that owes `items`; resolves with the attempt. */
async function owe(store: AuditStore, items: OutboxItem[], overrides: Partial<AttemptRecord> = {}) {
  const record = buildRecord(overrides);
  const result = await store.write([{ from: null, record }], at(0), items);
  if (!result.ok) throw new Error(`expected the write to pass: ${JSON.stringify(result.conflict)}`);
  return record;
}

const rowsOf = (store: AuditStore) => store.outboxRows({ states: [...ALL_STATES], limit: 1_000 });

/** Each row's message key and state, in the order owed. */
const statesOf = async (store: AuditStore) =>
  (await rowsOf(store)).map((row): [string, OutboxRow['state']] => [row.item.key, row.state]);

const keysOf = (claims: ClaimedDelivery[]) => claims.map((claim) => claim.item.key);

/**
 * The outbox: the messages a write owes are kept with it, and delivered by claims with a lease, one message
 * of a slot at a time, until settled. Called from the store contract, so it runs on every backend.
 */
export function outboxContract(stores: ContractStores): void {
  const { fresh, another } = stores;
  const claim = (store: AuditStore, by: string, leaseMs = LONG, limit = 100) =>
    store.claimDeliveries({ by, limit, leaseMs });

  it('keeps the messages a write owes with it, in the order owed, pending and due at once; a write that fails keeps none', async () => {
    const store = await fresh();
    const { clock } = stores;
    const record = buildRecord();
    const items = [
      owedItem({ attemptIds: [record.attemptId], threadTs: '1714536000.000100', mode: 'edit' }),
      owedItem({
        channelId: null,
        mode: 'call',
        body: { kind: 'step', functionExecutionId: 'Fx1', batchId: 'B' },
      }),
    ];
    const before = clock.now();
    await store.write([{ from: null, record }], at(0), items);
    const after = clock.now();

    const rows = await rowsOf(await another());
    expect(rows.map((row) => row.item)).toEqual(items);
    expect(rows.map((row) => [row.state, row.tries, row.lastError, row.deliveredTs])).toEqual([
      ['pending', 0, null, null],
      ['pending', 0, null, null],
    ]);
    expect(rows[0]!.id).toBeLessThan(rows[1]!.id);
    expectStoreTimeBetween(rows[0]!.owedAt, before, after);
    if (clock.exact) expect(rows[0]!.owedAt).toBe(before.toISOString());

    // Stale, then a move not in the table: nothing of either write is kept, its messages included.
    const stale = await store.write([{ from: null, record }], at(1), [owedItem()]);
    expect(stale).toMatchObject({ ok: false, conflict: { kind: 'stale' } });
    await expect(
      store.write([{ from: 'requested', record: moved(record, 'cancelled') }], at(1), [owedItem()]),
    ).rejects.toThrow(/not a transition/);
    // A control write owes with it too, and a control that changes nothing keeps nothing.
    const announced = owedItem({ channelId: null });
    expect(
      await store.recordControl(control('paused', '01TESTOUTBOXPAUSE1'), at(2), [announced]),
    ).toMatchObject({
      changed: true,
    });
    await store.recordControl(control('paused', '01TESTOUTBOXPAUSE2'), at(3), [owedItem()]);
    expect((await rowsOf(store)).map((row) => row.item)).toEqual([...items, announced]);
    expect(keysOf(await claim(store, 'W1'))).toEqual([...items, announced].map((item) => item.key));
  });

  it('keeps a message owed twice once, as first owed: by a retried write or twice in one write', async () => {
    const store = await fresh();
    const first = owedItem();
    await owe(store, [first, { ...first, slot: 'test-slot:other', body: { kind: 'batch', batchId: 'B2' } }]);
    await owe(store, [{ ...first, channelId: 'C0ELSEWHERE' }]);
    expect((await rowsOf(store)).map((row) => row.item)).toEqual([first]);
  });

  it("a final outcome carries the chain's head as its write left it: the write's last entry", async () => {
    const store = await fresh();
    const a = buildRecord();
    const b = buildRecord();
    const final = owedItem({
      body: { kind: 'outcome', record: a },
      withChainHead: true,
      attemptIds: [a.attemptId],
    });
    const plain = owedItem({ body: { kind: 'outcome', record: b } });
    const batch = owedItem({ withChainHead: true });
    const result = await store.write(
      [
        { from: null, record: a },
        { from: null, record: b },
      ],
      at(0),
      [final, plain, batch],
    );
    if (!result.ok) throw new Error('expected the write to pass');
    const last = result.entries[1]!;

    const kept = (await rowsOf(store)).map((row) => row.item);
    expect(kept).toEqual([
      { ...final, body: { kind: 'outcome', record: a, chainHead: { seq: last.seq, hash: last.hash } } },
      plain,
      batch,
    ]);
    expect(last.seq).toBe(2);

    const announced = owedItem({ body: { kind: 'outcome', record: a }, withChainHead: true });
    const change = await store.recordControl(control('paused', '01TESTOUTBOXHEAD'), at(1), [announced]);
    if (!change.changed) throw new Error('expected the pause to be written');
    const [claimed] = (await claim(store, 'W1')).filter((c) => c.item.key === announced.key);
    expect(claimed?.item.body).toEqual({
      kind: 'outcome',
      record: a,
      chainHead: { seq: change.entry.seq, hash: change.entry.hash },
    });
  });

  it('a claim takes the newest pending message of each slot, oldest first, at most limit, and supersedes the older ones', async () => {
    const store = await fresh();
    const { clock } = stores;
    const a1 = owedItem({ slot: 'slot-a' });
    const b1 = owedItem({ slot: 'slot-b' });
    const a2 = owedItem({ slot: 'slot-a' });
    const c1 = owedItem({ slot: 'slot-c' });
    const a3 = owedItem({ slot: 'slot-a', mode: 'edit' });
    for (const item of [a1, b1, a2, c1, a3]) await owe(store, [item]);
    const owed = new Map((await rowsOf(store)).map((row) => [row.item.key, row]));

    const before = clock.now();
    const first = await claim(store, 'W1', LONG, 2);
    const after = clock.now();
    expect(first.map((c) => c.item)).toEqual([b1, c1]);
    expect(first[0]).toMatchObject({
      id: owed.get(b1.key)!.id,
      tries: 0,
      slotMessage: null,
      owedAt: owed.get(b1.key)!.owedAt,
      claimedBy: 'W1',
    });
    const lease = (time: Date) => new Date(time.getTime() + LONG);
    expectStoreTimeBetween(first[0]!.claimedUntil, lease(before), lease(after));
    if (clock.exact) expect(first[0]!.claimedUntil).toBe(lease(before).toISOString());
    // Superseded whatever the limit: only the newest of a slot is ever worth delivering.
    expect(await statesOf(store)).toEqual([
      [a1.key, 'superseded'],
      [b1.key, 'pending'],
      [a2.key, 'superseded'],
      [c1.key, 'pending'],
      [a3.key, 'pending'],
    ]);

    const second = await claim(await another(), 'W2');
    expect(second.map((c) => c.item)).toEqual([a3]);
    expect(await claim(store, 'W3')).toEqual([]);
  });

  it('leaves a slot alone while its message is claimed; once the claim lapses anyone may take it, and tries count', async () => {
    const store = await fresh();
    const other = await another();
    const { clock } = stores;
    const x1 = owedItem({ slot: 'slot-x' });
    const y1 = owedItem({ slot: 'slot-y' });
    await owe(store, [x1, y1]);
    expect(keysOf(await claim(store, 'W1', 500))).toEqual([x1.key, y1.key]);
    const x2 = owedItem({ slot: 'slot-x' });
    await owe(store, [x2]);

    // x1 is being delivered: x2 waits behind it, neither claimed nor superseded.
    expect(await claim(other, 'W2', 500)).toEqual([]);
    expect(await statesOf(store)).toEqual([
      [x1.key, 'pending'],
      [y1.key, 'pending'],
      [x2.key, 'pending'],
    ]);

    await clock.elapse(600);
    const taken = await claim(other, 'W2', LONG);
    expect(taken.map((c) => [c.item.key, c.tries, c.claimedBy])).toEqual([
      [y1.key, 1, 'W2'],
      [x2.key, 0, 'W2'],
    ]);
    expect(await statesOf(store)).toEqual([
      [x1.key, 'superseded'],
      [y1.key, 'pending'],
      [x2.key, 'pending'],
    ]);
    expect((await rowsOf(store)).map((row) => row.tries)).toEqual([1, 2, 1]);
  });

  it('a message to be retried is not claimed before its time, and says why it waits', async () => {
    const store = await fresh();
    const { clock } = stores;
    const item = owedItem();
    await owe(store, [item]);
    const [claimed] = await claim(store, 'W1');
    const error = `ratelimited ${'x'.repeat(400)}`;
    expect(
      await store.settleDelivery(claimed!.id, 'W1', { kind: 'retry', retryInMs: 800, error }),
    ).not.toBeNull();

    expect(await claim(store, 'W2')).toEqual([]);
    const [row] = await rowsOf(store);
    expect(row).toMatchObject({ state: 'pending', tries: 1, lastError: error.slice(0, 300) });
    expect(await store.outboxSummary()).toMatchObject({ pending: 1, givenUp: 0 });

    await clock.elapse(850);
    const again = await claim(store, 'W2');
    expect(again.map((c) => [c.id, c.tries, c.claimedBy])).toEqual([[claimed!.id, 1, 'W2']]);
  });

  it('a delivery leaves a notified entry on each of its attempts, state unchanged, and later edits of its slot edit that first post', async () => {
    const store = await fresh();
    const attempt = await attemptIn(store, ['confirmed']);
    const entriesBefore = (await store.verifyChain()).entries;
    const e1 = owedItem({
      slot: 'batch:B',
      mode: 'edit',
      attemptIds: [attempt.attemptId, '01NOSUCHATTEMPT'],
    });
    await owe(store, [e1]);
    const [first] = await claim(store, 'W1');
    expect(first?.slotMessage).toBeNull();
    const delivered = {
      kind: 'delivered',
      channelId: 'C0OPS',
      ts: '1714536000.000200',
      via: 'channel',
    } as const;
    const written = await store.settleDelivery(first!.id, 'W1', delivered);
    // The `notified` entry it wrote, for whoever keeps witnesses of every entry.
    expect(written).toMatchObject([{ event: 'notified', record: { attemptId: attempt.attemptId } }]);

    const notified = {
      ...attempt,
      slackChannelId: 'C0OPS',
      slackTs: '1714536000.000200',
      notifiedVia: 'channel',
    };
    expect(await store.findAttempt(attempt.attemptId)).toEqual(notified);
    const history = await store.orderHistory(attempt.orderNo!);
    expect(history.at(-1)).toMatchObject({ event: 'notified', record: notified });
    // One entry for the new attempt owing e1, one for the delivery; the unknown attempt gets none.
    expect(await store.verifyChain()).toMatchObject({ ok: true, entries: entriesBefore + 2 });
    expect((await rowsOf(store)).at(-1)).toMatchObject({
      state: 'delivered',
      deliveredTs: '1714536000.000200',
    });
    expect(await store.settleDelivery(first!.id, 'W1', delivered)).toBeNull();
    expect(await store.confirmClaim(first!.id, 'W1', LONG)).toBe(false);

    // Every later message of the slot edits the first post, even after later ones were delivered.
    const e2 = owedItem({ slot: 'batch:B', mode: 'edit' });
    await owe(store, [e2]);
    const [second] = await claim(store, 'W2');
    expect(second).toMatchObject({ item: e2, slotMessage: { channelId: 'C0OPS', ts: '1714536000.000200' } });
    await store.settleDelivery(second!.id, 'W2', { ...delivered, ts: '1714536000.000300' });
    await owe(store, [owedItem({ slot: 'batch:B', mode: 'edit' })]);
    const [third] = await claim(store, 'W1');
    expect(third?.slotMessage).toEqual({ channelId: 'C0OPS', ts: '1714536000.000200' });

    // A delivery with no message to point at (a step completed) gives its slot none.
    const call = owedItem({ slot: 'step:F', mode: 'call' });
    await owe(store, [call]);
    const [step] = await claim(store, 'W1');
    await store.settleDelivery(step!.id, 'W1', { kind: 'delivered', channelId: null, ts: null, via: 'none' });
    await owe(store, [owedItem({ slot: 'step:F', mode: 'call' })]);
    expect((await claim(store, 'W1')).map((c) => c.slotMessage)).toEqual([null]);
  });

  it('confirmClaim and settleDelivery refuse a claim that was lost, and write nothing', async () => {
    const store = await fresh();
    const other = await another();
    const { clock } = stores;
    const attempt = await attemptIn(store, []);
    const item = owedItem({ attemptIds: [attempt.attemptId] });
    await owe(store, [item]);
    const entries = (await store.verifyChain()).entries;
    const [mine] = await claim(store, 'W1', 300);
    expect(await store.confirmClaim(mine!.id, 'W1', 300)).toBe(true);
    expect(await store.confirmClaim(mine!.id, 'W2', 300)).toBe(false);
    expect(await store.settleDelivery(mine!.id, 'W2', { kind: 'given_up', reason: 'not mine' })).toBeNull();

    await clock.elapse(400);
    const [theirs] = await claim(other, 'W2');
    expect(theirs).toMatchObject({ id: mine!.id, tries: 1, claimedBy: 'W2' });
    expect(await store.confirmClaim(mine!.id, 'W1', LONG)).toBe(false);
    const delivered = {
      kind: 'delivered',
      channelId: 'C0OPS',
      ts: '1714536000.000400',
      via: 'channel',
    } as const;
    expect(await store.settleDelivery(mine!.id, 'W1', delivered)).toBeNull();
    expect(await store.verifyChain()).toMatchObject({ ok: true, entries });
    expect(await store.findAttempt(attempt.attemptId)).toEqual(attempt);
    expect(await statesOf(store)).toEqual([[item.key, 'pending']]);

    expect(await other.confirmClaim(theirs!.id, 'W2', LONG)).toBe(true);
    expect(await other.confirmClaim(theirs!.id + 1_000, 'W2', LONG)).toBe(false);
    expect(await other.settleDelivery(theirs!.id, 'W2', delivered)).not.toBeNull();
    expect(await store.verifyChain()).toMatchObject({ ok: true, entries: entries + 1 });
  });

  it('a confirmed claim outlives its first lease', async () => {
    const store = await fresh();
    const { clock } = stores;
    await owe(store, [owedItem()]);
    const [mine] = await claim(store, 'W1', 400);
    await clock.elapse(250);
    expect(await store.confirmClaim(mine!.id, 'W1', LONG)).toBe(true);
    await clock.elapse(250);
    expect(await claim(await another(), 'W2')).toEqual([]);
    expect(
      await store.settleDelivery(mine!.id, 'W1', { kind: 'retry', retryInMs: 0, error: 'timeout' }),
    ).not.toBeNull();
    expect((await claim(store, 'W2')).map((c) => c.tries)).toEqual([1]);
  });

  it('a message given up stays given up: never claimed again, counted, and says why', async () => {
    const store = await fresh();
    const item = owedItem({ slot: 'slot-g' });
    await owe(store, [item]);
    const [claimed] = await claim(store, 'W1');
    expect(
      await store.settleDelivery(claimed!.id, 'W1', { kind: 'given_up', reason: 'channel_not_found' }),
    ).not.toBeNull();
    expect(await claim(store, 'W2', 1)).toEqual([]);
    expect(await store.outboxSummary()).toEqual({ pending: 0, oldestPendingMs: null, givenUp: 1 });
    expect(await rowsOf(store)).toMatchObject([
      { state: 'given_up', tries: 1, lastError: 'channel_not_found' },
    ]);
    expect(
      await store.settleDelivery(claimed!.id, 'W1', { kind: 'retry', retryInMs: 0, error: 'again' }),
    ).toBeNull();
    // A later message of its slot is owed on its own.
    const next = owedItem({ slot: 'slot-g' });
    await owe(store, [next]);
    expect(keysOf(await claim(store, 'W2'))).toEqual([next.key]);
  });

  it('outboxSummary says what waits and since when, and what was given up; outboxRows lists by state, oldest first, at most limit', async () => {
    const store = await fresh();
    const { clock } = stores;
    expect(await store.outboxSummary()).toEqual({ pending: 0, oldestPendingMs: null, givenUp: 0 });
    expect(await rowsOf(store)).toEqual([]);
    const p1 = owedItem();
    await owe(store, [p1]);
    await clock.elapse(1_000);
    const p2 = owedItem();
    const p3 = owedItem();
    await owe(store, [p2, p3]);

    const claims = await claim(store, 'W1');
    expect(keysOf(claims)).toEqual([p1.key, p2.key, p3.key]);
    await store.settleDelivery(claims[0]!.id, 'W1', { kind: 'retry', retryInMs: 0, error: 'e1' });
    await store.settleDelivery(claims[2]!.id, 'W1', { kind: 'given_up', reason: 'gone' });
    const summary = await (await another()).outboxSummary();
    expect(summary).toMatchObject({ pending: 2, givenUp: 1 });
    expect(summary.oldestPendingMs).toBeGreaterThanOrEqual(1_000);
    if (clock.exact) expect(summary.oldestPendingMs).toBe(1_000);
    else expect(summary.oldestPendingMs).toBeLessThan(10_000);

    const keys = async (states: OutboxRow['state'][], limit = 10) =>
      (await store.outboxRows({ states, limit })).map((row) => row.item.key);
    expect(await keys(['pending'])).toEqual([p1.key, p2.key]);
    expect(await keys(['pending'], 1)).toEqual([p1.key]);
    expect(await keys(['given_up', 'pending'])).toEqual([p1.key, p2.key, p3.key]);
    expect(await keys(['given_up'])).toEqual([p3.key]);
    expect(await keys(['delivered', 'superseded'])).toEqual([]);
    expect(await keys([])).toEqual([]);
    expect(await store.outboxRows({ states: ['pending'], limit: 10 })).toMatchObject([
      { item: p1, state: 'pending', tries: 1, lastError: 'e1', deliveredTs: null },
      { item: p2, state: 'pending', tries: 1, lastError: null, deliveredTs: null },
    ]);
  });

  it("batchAttempts gives the current snapshots of a batch's attempts, in the order requested", async () => {
    const store = await fresh();
    const batchId = '01TESTBATCHATTEMPTS0000000';
    const ids = [1, 2, 3].map((n) => `01TESTBATCHATTEMPT${String(n).padStart(8, '0')}`);
    const [a1, a2, a3] = ids.map((attemptId) => buildRecord({ attemptId, batchId, batchSize: 3 }));
    await owe(store, [], { batchId: 'elsewhere' });
    await store.write(
      [a1!, a2!, a3!].map((record) => ({ from: null, record })),
      at(0),
    );
    await owe(store, [], { batchId: 'elsewhere' });
    const confirmed = moved(a1!, 'confirmed');
    await store.write([{ from: 'requested', record: confirmed }], at(1));

    expect(await (await another()).batchAttempts(batchId)).toEqual([confirmed, a2, a3]);
    expect(await store.batchAttempts('01NOSUCHBATCH')).toEqual([]);
  });

  it('two stores claiming at once, each on its own connection, never claim one message twice nor two of one slot', async () => {
    const one = await fresh();
    const two = await another();
    const slots = Array.from({ length: 12 }, (_, n) => `slot-${n}`);
    for (let round = 0; round < 3; round++) {
      await owe(
        one,
        slots.map((slot) => owedItem({ slot })),
      );
    }
    const claimed: ClaimedDelivery[] = [];
    const claimer = async (store: AuditStore, by: string) => {
      for (let round = 0; round < 8; round++) claimed.push(...(await claim(store, by, LONG, 2)));
    };
    // Meanwhile more messages are owed to the same slots: a slot being delivered keeps them waiting.
    const ower = async (store: AuditStore) => {
      for (const slot of slots.slice(0, 6)) await owe(store, [owedItem({ slot })]);
    };
    await Promise.all([claimer(one, 'W1'), claimer(two, 'W2'), ower(one), ower(two)]);

    const ids = claimed.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(claimed.map((c) => c.item.slot).sort()).toEqual([...slots].sort());
    const rows = await rowsOf(one);
    const live = rows.filter((row) => ids.includes(row.id));
    expect(live.map((row) => [row.state, row.tries])).toEqual(ids.map(() => ['pending', 1]));
  });

  it('is durable: after close and reopen the messages, their states and claims are there, and new ones follow', async () => {
    const store = await fresh();
    const attempt = await attemptIn(store, []);
    const d1 = owedItem({ slot: 'slot-d', mode: 'edit' });
    const d2 = owedItem({ slot: 'slot-d', mode: 'edit', attemptIds: [attempt.attemptId] });
    await owe(store, [d1, d2]);
    const [claimed] = await claim(store, 'W1');
    const delivered = {
      kind: 'delivered',
      channelId: 'C0OPS',
      ts: '1714536000.000500',
      via: 'channel',
    } as const;
    await store.settleDelivery(claimed!.id, 'W1', delivered);
    const d3 = owedItem({ slot: 'slot-d', mode: 'edit' });
    const e1 = owedItem();
    await owe(store, [d3, e1]);
    await claim(store, 'W1', LONG, 1);
    const before = await rowsOf(store);
    await store.close();

    const reopened = await another();
    expect(await rowsOf(reopened)).toEqual(before);
    expect(await statesOf(reopened)).toEqual([
      [d1.key, 'superseded'],
      [d2.key, 'delivered'],
      [d3.key, 'pending'],
      [e1.key, 'pending'],
    ]);
    // d3 is still claimed by W1; e1 is not.
    expect((await claim(reopened, 'W2')).map((c) => [c.item.key, c.slotMessage])).toEqual([[e1.key, null]]);
    const later = owedItem();
    await owe(reopened, [later]);
    const ids = (await rowsOf(reopened)).map((row) => row.id);
    expect(ids.at(-1)).toBeGreaterThan(Math.max(...before.map((row) => row.id)));
    expect((await reopened.findAttempt(attempt.attemptId))?.slackTs).toBe('1714536000.000500');
  });
}
