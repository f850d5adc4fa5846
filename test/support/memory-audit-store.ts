import {
  asControlEntry,
  assertControl,
  buildEntry,
  controlAsRecord,
  type EntryRow,
  rowToEntry,
  verifyRows,
} from '../../src/audit/entry-row.js';
import { GENESIS_HASH } from '../../src/audit/hash-chain.js';
import {
  deliveredNote,
  notifiedAttempts,
  owedAsKept,
  planClaim,
  settledRow,
} from '../../src/audit/plan-outbox.js';
import {
  judgeFence,
  type PlannedEntry,
  planAnnotation,
  planWrite,
  snapshotKeys,
  type WriteSnapshot,
} from '../../src/audit/plan-write.js';
import {
  type AttemptRecord,
  type AuditEntry,
  type AuditStore,
  type ChainHead,
  type ChainVerdict,
  type ControlEntry,
  controlChanges,
  type EntryRange,
  type HeldCall,
  type InstanceLease,
  isControlEvent,
  type LockHolder,
} from '../../src/core/ports/audit.js';
import type { ClaimedDelivery, OutboxItem, OutboxState } from '../../src/core/ports/outbox.js';
import { idFactory } from '../../src/ids.js';

/**
 * What a database holds: the chain, the attempts' latest snapshots, the order locks, the fences and the
 * leases. Several stores can open one, as several processes open one SQLite file; it outlives them all.
 */
export interface MemoryAuditDatabase {
  readonly rows: EntryRow[];
  /** Each attempt's latest snapshot, and since when (database clock, ms) it has been in its state. */
  readonly attempts: Map<string, { lastSeq: number; recordJson: string; stateSince: number }>;
  readonly locks: Map<string, LockHolder>;
  /** The latest `acceptUntil` of each attempt's fences. */
  readonly fences: Map<string, string>;
  /** Instance leases by id; times from `now`. */
  readonly leases: Map<string, Omit<InstanceLease, 'live'>>;
  /** The outbox, in the order owed, and its keys. */
  readonly outbox: MemoryOutboxRow[];
  readonly outboxKeys: Set<string>;
  /** The database's clock (the system clock unless a test or the simulation gives its own). */
  readonly now: () => Date;
  readonly nextId: () => string;
}

/** One owed message as the memory database keeps it; times are the database clock's, in ms. */
export interface MemoryOutboxRow {
  id: number;
  item: OutboxItem;
  state: OutboxState;
  tries: number;
  owedAt: number;
  nextTryAt: number;
  claimedBy: string | null;
  claimedUntil: number | null;
  lastError: string | null;
  deliveredChannel: string | null;
  deliveredTs: string | null;
}

export function createMemoryAuditDatabase(now: () => Date = () => new Date()): MemoryAuditDatabase {
  return {
    rows: [],
    attempts: new Map(),
    locks: new Map(),
    fences: new Map(),
    leases: new Map(),
    outbox: [],
    outboxKeys: new Set(),
    now,
    nextId: idFactory(),
  };
}

function assertValidDate(at: Date): void {
  if (!(at instanceof Date) || Number.isNaN(at.getTime()))
    throw new TypeError('audit: `at` is not a valid Date');
}

/**
 * The audit store in memory, for fast tests of the core and for the protocol simulation. It keeps the same
 * chain as the real backends (the same entry building, hashing, checks and write rules, from `entry-row.ts`
 * and `plan-write.ts`) and passes the same store contract. Each call does its reads and writes without
 * yielding, which makes every write atomic, as a transaction would.
 */
export function openMemoryAuditStore(db: MemoryAuditDatabase = createMemoryAuditDatabase()): AuditStore {
  let open = true;
  const assertOpen = () => {
    if (!open) throw new Error('audit store is closed');
  };

  const head = (): ChainHead => {
    const last = db.rows.at(-1);
    return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
  };

  const stored = (attemptId: string): AttemptRecord | null => {
    const found = db.attempts.get(attemptId);
    return found ? JSON.parse(found.recordJson) : null;
  };

  const apply = (planned: PlannedEntry, at: Date, dbNow: Date): AuditEntry => {
    const { entry, row } = buildEntry(head(), db.nextId(), planned.event, planned.record, at);
    db.rows.push(row);
    const since = db.attempts.get(planned.record.attemptId)?.stateSince ?? dbNow.getTime();
    db.attempts.set(planned.record.attemptId, {
      lastSeq: row.seq,
      recordJson: row.record_json,
      stateSince: planned.changesState ? dbNow.getTime() : since,
    });
    if (planned.releaseLock && db.locks.get(planned.releaseLock)?.attemptId === planned.record.attemptId) {
      db.locks.delete(planned.releaseLock);
    }
    if (planned.takeLock) {
      db.locks.set(planned.takeLock, {
        attemptId: planned.record.attemptId,
        requesterId: planned.record.requesterId,
        since: dbNow.toISOString(),
      });
    }
    return entry;
  };

  const snapshot = (
    attemptIds: readonly string[],
    orderNos: readonly string[],
    dbNow: Date,
  ): WriteSnapshot => {
    const attempts = new Map<string, { record: AttemptRecord; inStateForMs: number }>();
    const acceptUntil = new Map<string, string>();
    for (const attemptId of attemptIds) {
      const found = db.attempts.get(attemptId);
      if (found) {
        attempts.set(attemptId, {
          record: JSON.parse(found.recordJson),
          inStateForMs: dbNow.getTime() - found.stateSince,
        });
      }
      const accepted = db.fences.get(attemptId);
      if (accepted) acceptUntil.set(attemptId, accepted);
    }
    const locks = new Map<string, LockHolder>();
    for (const orderNo of orderNos) {
      const holder = db.locks.get(orderNo);
      if (holder) locks.set(orderNo, { ...holder });
    }
    return { dbNow, attempts, locks, acceptUntil };
  };

  /** Keeps the messages a write owes (each key once), in the order owed. */
  const keepOwed = (
    owed: readonly OutboxItem[],
    dbNow: Date,
    written: readonly AttemptRecord[] = [],
  ): void => {
    for (const item of owedAsKept(owed, head(), written)) {
      if (db.outboxKeys.has(item.key)) continue;
      db.outboxKeys.add(item.key);
      db.outbox.push({
        id: db.outbox.length + 1,
        item: JSON.parse(JSON.stringify(item)),
        state: 'pending',
        tries: 0,
        owedAt: dbNow.getTime(),
        nextTryAt: dbNow.getTime(),
        claimedBy: null,
        claimedUntil: null,
        lastError: null,
        deliveredChannel: null,
        deliveredTs: null,
      });
    }
  };

  const outboxRow = (id: number): MemoryOutboxRow => {
    const row = db.outbox.find((candidate) => candidate.id === id);
    if (!row) throw new Error(`outbox row ${id} vanished`);
    return row;
  };

  const newestControl = (): ControlEntry | null => {
    const row = db.rows.findLast((candidate) => isControlEvent(candidate.event));
    return row ? asControlEntry(rowToEntry(row)) : null;
  };

  const liveLease = (instanceId: string, dbNow: Date) => {
    const lease = db.leases.get(instanceId);
    return lease !== undefined && lease.expiresAt > dbNow.toISOString();
  };

  const latest = (filter: (record: AttemptRecord) => boolean): AttemptRecord[] =>
    [...db.attempts.values()]
      .sort((a, b) => b.lastSeq - a.lastSeq)
      .map((a): AttemptRecord => JSON.parse(a.recordJson))
      .filter(filter);

  async function* rows(range: EntryRange): AsyncIterable<EntryRow> {
    const since = range.since?.toISOString();
    const until = range.until?.toISOString();
    for (const row of [...db.rows]) {
      assertOpen();
      if (since !== undefined && row.at < since) continue;
      if (until !== undefined && row.at >= until) continue;
      yield row;
    }
  }

  return {
    backend: 'memory',

    async write(transitions, at, owed = []) {
      assertOpen();
      const dbNow = db.now();
      const { attemptIds, orderNos } = snapshotKeys(transitions);
      const plan = planWrite(transitions, snapshot(attemptIds, orderNos, dbNow), at);
      if (!plan.ok) return plan;
      const entries = plan.entries.map((planned) => apply(planned, at, dbNow));
      const records = entries.map((entry) => entry.record);
      keepOwed(owed, dbNow, records);
      return { ok: true, entries, records };
    },

    async annotate(attemptId, note, at) {
      assertOpen();
      assertValidDate(at);
      const current = stored(attemptId);
      if (!current) return null;
      const planned = planAnnotation(current, note);
      return planned ? apply(planned, at, db.now()) : null;
    },

    async fence(request) {
      assertOpen();
      const dbNow = db.now();
      const verdict = judgeFence(request, {
        dbNow,
        attempt: stored(request.attemptId),
        lockHolderId: db.locks.get(request.orderNo)?.attemptId ?? null,
        leaseLive: liveLease(request.instanceId, dbNow),
        paused: newestControl()?.event === 'paused',
        acceptUntil: db.fences.get(request.attemptId) ?? null,
      });
      if (verdict.ok) db.fences.set(request.attemptId, verdict.acceptUntil);
      return verdict;
    },

    async recordControl(record, at, owed = []) {
      assertOpen();
      assertControl(record, at);
      const current = newestControl();
      if (!controlChanges(record.state, current)) return { changed: false, current };
      const { entry, row } = buildEntry(head(), db.nextId(), record.state, controlAsRecord(record), at);
      db.rows.push(row);
      keepOwed(owed, db.now());
      return { changed: true, entry: asControlEntry(entry) };
    },

    async controlState() {
      assertOpen();
      return newestControl();
    },

    async findAttempt(attemptId) {
      assertOpen();
      return stored(attemptId);
    },

    async batchAttempts(batchId) {
      assertOpen();
      return [...db.attempts.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, found]): AttemptRecord => JSON.parse(found.recordJson))
        .filter((record) => record.batchId === batchId);
    },

    async claimDeliveries({ by, limit, leaseMs }) {
      assertOpen();
      const now = db.now().getTime();
      const pending = db.outbox
        .filter((row) => row.state === 'pending')
        .map((row) => ({ ...row, slot: row.item.slot }));
      const plan = planClaim(pending, now, limit);
      for (const id of plan.supersede) outboxRow(id).state = 'superseded';
      return plan.claim.map((id): ClaimedDelivery => {
        const row = outboxRow(id);
        row.claimedBy = by;
        row.claimedUntil = now + leaseMs;
        row.tries += 1;
        const first = db.outbox.find(
          (r) =>
            r.item.slot === row.item.slot && r.state === 'delivered' && r.deliveredTs && r.deliveredChannel,
        );
        return {
          id,
          item: row.item,
          tries: row.tries - 1,
          slotMessage: first ? { channelId: first.deliveredChannel!, ts: first.deliveredTs! } : null,
          owedAt: new Date(row.owedAt).toISOString(),
          claimedBy: by,
          claimedUntil: new Date(row.claimedUntil).toISOString(),
        };
      });
    },

    async confirmClaim(id, by, leaseMs) {
      assertOpen();
      const row = db.outbox.find((r) => r.id === id);
      if (row?.state !== 'pending' || row.claimedBy !== by) return false;
      row.claimedUntil = db.now().getTime() + leaseMs;
      return true;
    },

    async settleDelivery(id, by, outcome) {
      assertOpen();
      const row = db.outbox.find((r) => r.id === id);
      if (row?.state !== 'pending' || row.claimedBy !== by) return null;
      const now = db.now();
      const settled = settledRow(outcome, now.getTime());
      Object.assign(row, {
        state: settled.state,
        nextTryAt: settled.nextTryAt ?? row.nextTryAt,
        lastError: settled.lastError,
        deliveredChannel: settled.deliveredChannel,
        deliveredTs: settled.deliveredTs,
        claimedBy: null,
        claimedUntil: null,
      });
      const entries: AuditEntry[] = [];
      if (outcome.kind === 'delivered') {
        for (const attemptId of notifiedAttempts(outcome, row.item.attemptIds)) {
          const current = stored(attemptId);
          const planned = current && planAnnotation(current, deliveredNote(outcome));
          if (planned) entries.push(apply(planned, now, now));
        }
      }
      return entries;
    },

    async outboxSummary() {
      assertOpen();
      const now = db.now().getTime();
      const pending = db.outbox.filter((row) => row.state === 'pending');
      const oldest = pending.length === 0 ? null : now - Math.min(...pending.map((row) => row.owedAt));
      return {
        pending: pending.length,
        oldestPendingMs: oldest,
        givenUp: db.outbox.filter((row) => row.state === 'given_up').length,
      };
    },

    async outboxRows({ states, limit }) {
      assertOpen();
      const wanted = new Set<string>(states);
      return db.outbox
        .filter((row) => wanted.has(row.state))
        .slice(0, Math.max(0, Math.trunc(limit)))
        .map((row) => ({
          id: row.id,
          item: row.item,
          state: row.state,
          tries: row.tries,
          owedAt: new Date(row.owedAt).toISOString(),
          lastError: row.lastError,
          deliveredTs: row.deliveredTs,
        }));
    },

    async heldCalls() {
      assertOpen();
      const dbNow = db.now();
      const calls: HeldCall[] = [];
      for (const [orderNo, holder] of db.locks) {
        const record = stored(holder.attemptId);
        if (!record) continue;
        calls.push({
          record,
          orderNo,
          heldForMs: dbNow.getTime() - Date.parse(holder.since),
          ownerLive: record.instanceId === undefined ? null : liveLease(record.instanceId, dbNow),
          acceptUntil: db.fences.get(holder.attemptId) ?? null,
          dbNow: dbNow.toISOString(),
        });
      }
      return calls.sort((a, b) => b.heldForMs - a.heldForMs || a.orderNo.localeCompare(b.orderNo));
    },

    async idleAttempts(filter) {
      assertOpen();
      const now = db.now().getTime();
      const states = new Set<string>(filter.states);
      return [...db.attempts.values()]
        .map((a) => ({ record: JSON.parse(a.recordJson) as AttemptRecord, inStateForMs: now - a.stateSince }))
        .filter((a) => states.has(a.record.state) && a.inStateForMs >= filter.idleForMs)
        .sort((a, b) => b.inStateForMs - a.inStateForMs)
        .slice(0, Math.max(0, Math.trunc(filter.limit)));
    },

    async orderHistory(orderNo) {
      assertOpen();
      return db.rows.filter((row) => row.order_no === orderNo).map(rowToEntry);
    },

    async recentAttempts(filter) {
      assertOpen();
      const states = filter.states ? new Set<string>(filter.states) : null;
      return latest(
        (record) =>
          (filter.requesterId === undefined || record.requesterId === filter.requesterId) &&
          (states === null || states.has(record.state)),
      ).slice(0, Math.max(0, Math.trunc(filter.limit)));
    },

    async *entries(range: EntryRange = {}) {
      for await (const row of rows(range)) yield rowToEntry(row);
    },

    verifyChain(): Promise<ChainVerdict> {
      return verifyRows(rows({}));
    },

    async heldLocks() {
      assertOpen();
      return [...db.locks.entries()]
        .sort(([a, x], [b, y]) => x.since.localeCompare(y.since) || a.localeCompare(b))
        .map(([orderNo, holder]) => ({ orderNo, ...holder, record: stored(holder.attemptId) }));
    },

    async renewLease(instanceId, ttlMs) {
      assertOpen();
      const at = db.now();
      const startedAt = db.leases.get(instanceId)?.startedAt ?? at.toISOString();
      const expiresAt = new Date(at.getTime() + ttlMs).toISOString();
      db.leases.set(instanceId, { instanceId, startedAt, renewedAt: at.toISOString(), expiresAt });
    },

    async dropLease(instanceId) {
      assertOpen();
      db.leases.delete(instanceId);
    },

    async leases() {
      assertOpen();
      const at = db.now().toISOString();
      return [...db.leases.values()]
        .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.instanceId.localeCompare(b.instanceId))
        .map((lease) => ({ ...lease, live: lease.expiresAt > at }));
    },

    async head() {
      assertOpen();
      return db.rows.length === 0 ? null : head();
    },

    async ping() {
      assertOpen();
    },

    async close() {
      open = false;
    },
  };
}

/** The outcome posts owed to attempts' own channels so far, oldest first: what people will be told. */
export function owedOutcomePosts(db: MemoryAuditDatabase): AttemptRecord[] {
  return db.outbox.flatMap((row) =>
    row.item.body.kind === 'outcome' && row.item.channelId !== null ? [row.item.body.record] : [],
  );
}
