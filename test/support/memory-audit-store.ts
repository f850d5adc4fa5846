import {
  asControlEntry,
  assertAppendable,
  assertBeginCall,
  assertConfirmAndCall,
  assertControl,
  assertFinishEvent,
  buildEntry,
  controlAsRecord,
  type EntryRow,
  rowToEntry,
  verifyRows,
} from '../../src/audit/entry-row.js';
import { GENESIS_HASH } from '../../src/audit/hash-chain.js';
import {
  type AttemptRecord,
  type AttemptState,
  type AuditEntry,
  type AuditEvent,
  type AuditStore,
  type BeginCallResult,
  type ChainHead,
  type ChainVerdict,
  type ConfirmCallResult,
  type ControlEntry,
  controlChanges,
  type EntryRange,
  type InstanceLease,
  isControlEvent,
  type LockHolder,
} from '../../src/core/ports/audit.js';
import { idFactory } from '../../src/ids.js';

/**
 * What a database holds: the chain, the attempts' latest snapshots, the claims and the order locks. Several
 * stores can open one, as several processes open one SQLite file; it outlives them all.
 */
export interface MemoryAuditDatabase {
  readonly rows: EntryRow[];
  readonly attempts: Map<string, { lastSeq: number; recordJson: string }>;
  readonly claims: Set<string>;
  readonly locks: Map<string, LockHolder>;
  /** Instance leases by id; times from `now` (the system clock unless a test gives its own). */
  readonly leases: Map<string, Omit<InstanceLease, 'live'>>;
  readonly now: () => Date;
  readonly nextId: () => string;
}

export function createMemoryAuditDatabase(now: () => Date = () => new Date()): MemoryAuditDatabase {
  return {
    rows: [],
    attempts: new Map(),
    claims: new Set(),
    locks: new Map(),
    leases: new Map(),
    now,
    nextId: idFactory(),
  };
}

/**
 * The audit store in memory, for fast tests of the core. It keeps the same chain as the real backends (the
 * same entry building, hashing and checks, from `entry-row.ts`) and passes the same store contract. Each
 * call runs to completion before it returns, which makes every write atomic, as a transaction would.
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

  const appendNow = (event: AuditEvent, record: AttemptRecord, at: Date): AuditEntry => {
    const { entry, row } = buildEntry(head(), db.nextId(), event, record, at);
    db.rows.push(row);
    if (isControlEvent(event)) return entry;
    db.attempts.set(record.attemptId, { lastSeq: row.seq, recordJson: row.record_json });
    return entry;
  };

  const newestControl = (): ControlEntry | null => {
    const row = db.rows.findLast((candidate) => isControlEvent(candidate.event));
    return row ? asControlEntry(rowToEntry(row)) : null;
  };

  const beginCallNow = (record: AttemptRecord, orderNo: string, at: Date): BeginCallResult => {
    const holder = db.locks.get(orderNo);
    if (holder) return { ok: false, holder: { ...holder } };
    db.locks.set(orderNo, {
      attemptId: record.attemptId,
      requesterId: record.requesterId,
      since: at.toISOString(),
    });
    return { ok: true, entry: appendNow('calling', record, at) };
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

    async append(event, record, at) {
      assertOpen();
      assertAppendable(event, record, at);
      return appendNow(event, record, at);
    },

    async claimOnce(key) {
      assertOpen();
      if (db.claims.has(key)) return false;
      db.claims.add(key);
      return true;
    },

    async beginCall(record, at) {
      assertOpen();
      return beginCallNow(record, assertBeginCall(record, at), at);
    },

    async confirmAndBeginCall(claimKey, confirmed, calling, at): Promise<ConfirmCallResult> {
      assertOpen();
      const orderNo = assertConfirmAndCall(claimKey, confirmed, calling, at);
      if (db.claims.has(claimKey)) return { kind: 'already_claimed' };
      db.claims.add(claimKey);
      const confirmedEntry = appendNow('confirmed', confirmed, at);
      const begun = beginCallNow(calling, orderNo, at);
      return begun.ok
        ? { kind: 'begun', confirmed: confirmedEntry, calling: begun.entry }
        : { kind: 'locked', confirmed: confirmedEntry, holder: begun.holder };
    },

    async finishCall(event: AttemptState, record, at) {
      assertOpen();
      assertFinishEvent(event);
      assertAppendable(event, record, at);
      const entry = appendNow(event, record, at);
      if (record.orderNo && db.locks.get(record.orderNo)?.attemptId === record.attemptId) {
        db.locks.delete(record.orderNo);
      }
      return entry;
    },

    async recordControl(record, at) {
      assertOpen();
      assertControl(record, at);
      const current = newestControl();
      if (!controlChanges(record.state, current)) return { changed: false, current };
      return { changed: true, entry: asControlEntry(appendNow(record.state, controlAsRecord(record), at)) };
    },

    async controlState() {
      assertOpen();
      return newestControl();
    },

    async findAttempt(attemptId) {
      assertOpen();
      const found = db.attempts.get(attemptId);
      return found ? JSON.parse(found.recordJson) : null;
    },

    async findStuckCalling() {
      assertOpen();
      return latest((record) => record.state === 'calling').reverse();
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
        .map(([orderNo, holder]) => {
          const found = db.attempts.get(holder.attemptId);
          return { orderNo, ...holder, record: found ? JSON.parse(found.recordJson) : null };
        });
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
