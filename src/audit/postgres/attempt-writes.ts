import type { PoolClient } from 'pg';
import type {
  Annotation,
  AttemptRecord,
  AuditEntry,
  ChainHead,
  ControlRecord,
  FenceRequest,
  FenceResult,
  LockHolder,
  Transition,
  WriteResult,
} from '../../core/ports/audit.js';
import type { OutboxItem } from '../../core/ports/outbox.js';
import { assertAppendable, buildEntry, controlAsRecord, type EntryRow } from '../entry-row.js';
import { GENESIS_HASH } from '../hash-chain.js';
import { owedColumns } from '../outbox-columns.js';
import {
  judgeFence,
  type PlannedEntry,
  planAnnotation,
  planWrite,
  snapshotKeys,
  type WriteSnapshot,
} from '../plan-write.js';
import { readHead } from './chain-reads.js';
import { DB_NOW } from './session.js';

/**
 * Everything a write reads, in one statement: its time, the chain's head, its attempts with when each entered
 * its state, its orders' locks and its attempts' fences. Run under the chain's lock, in a statement of its
 * own (a statement that took the lock would read from before it).
 */
const READ_SNAPSHOT = `
  WITH clock AS (SELECT ${DB_NOW} AS now)
  SELECT clock.now AS db_now,
    (SELECT json_build_object('seq', seq, 'hash', hash) FROM audit_entries ORDER BY seq DESC LIMIT 1) AS head,
    (SELECT coalesce(json_agg(json_build_object('id', attempt_id, 'record', record_json, 'since', state_since)), '[]')
       FROM attempts WHERE attempt_id = ANY ($1::text[])) AS attempts,
    (SELECT coalesce(json_agg(json_build_object(
         'orderNo', order_no, 'attemptId', attempt_id, 'requesterId', requester_id, 'since', acquired_at)), '[]')
       FROM order_locks WHERE order_no = ANY ($2::text[])) AS locks,
    (SELECT coalesce(json_agg(json_build_object('id', attempt_id, 'until', accept_until)), '[]')
       FROM call_fences WHERE attempt_id = ANY ($1::text[])) AS fences
  FROM clock`;

interface SnapshotRow {
  db_now: Date;
  head: ChainHead | null;
  attempts: Array<{ id: string; record: string; since: string }>;
  locks: Array<LockHolder & { orderNo: string }>;
  fences: Array<{ id: string; until: string }>;
}

/**
 * Every change of one write in one statement: its entries, its attempts (each one row, as the last entry left
 * it), its orders' locks as they end up, and the messages it owes (pending from the write's time, or the
 * statement's for a control entry; a key owed before is kept once). Each order appears at most once among
 * the locks released and taken, so no two parts of the statement touch one row.
 */
const APPLY = `
  WITH owed AS (
    INSERT INTO outbox (key, slot, mode, channel_id, thread_ts, attempt_ids, body, with_chain_head, state, tries,
      owed_at, next_try_at)
    SELECT key, slot, mode, channel_id, thread_ts, attempt_ids, body, with_chain_head, 'pending', 0,
      coalesce($5::timestamptz, ${DB_NOW}), coalesce($5::timestamptz, ${DB_NOW})
    FROM json_to_recordset($6::json) AS o(n int, key text, slot text, mode text, channel_id text, thread_ts text,
      attempt_ids text, body text, with_chain_head boolean)
    ORDER BY n
    ON CONFLICT (key) DO NOTHING
  ), entries AS (
    INSERT INTO audit_entries (seq, entry_id, attempt_id, order_no, event, at, record_json, prev_hash, hash)
    SELECT * FROM json_to_recordset($1::json) AS e(seq bigint, entry_id text, attempt_id text, order_no text,
      event text, at text, record_json text, prev_hash text, hash text)
  ), changes AS (
    SELECT * FROM json_to_recordset($2::json) AS a(attempt_id text, batch_id text, state text, order_no text,
      requester_id text, channel_id text, updated_at timestamptz, last_seq bigint, record_json text,
      known boolean, moved boolean)
  ), created AS (
    INSERT INTO attempts (attempt_id, batch_id, state, order_no, requester_id, channel_id, updated_at, last_seq,
      record_json, state_since)
    SELECT attempt_id, batch_id, state, order_no, requester_id, channel_id, updated_at, last_seq, record_json, $5
    FROM changes WHERE NOT known
  ), updated AS (
    UPDATE attempts t SET batch_id = c.batch_id, state = c.state, order_no = c.order_no,
      requester_id = c.requester_id, channel_id = c.channel_id, updated_at = c.updated_at, last_seq = c.last_seq,
      record_json = c.record_json, state_since = CASE WHEN c.moved THEN $5 ELSE t.state_since END
    FROM changes c WHERE c.known AND t.attempt_id = c.attempt_id
  ), released AS (
    DELETE FROM order_locks l USING json_to_recordset($3::json) AS r(order_no text, attempt_id text)
    WHERE l.order_no = r.order_no AND l.attempt_id = r.attempt_id
  )
  INSERT INTO order_locks (order_no, attempt_id, requester_id, acquired_at)
  SELECT order_no, attempt_id, requester_id, $5
  FROM json_to_recordset($4::json) AS k(order_no text, attempt_id text, requester_id text)
  ON CONFLICT (order_no) DO UPDATE SET
    attempt_id = excluded.attempt_id, requester_id = excluded.requester_id, acquired_at = excluded.acquired_at`;

const READ_FENCE = `
  WITH clock AS (SELECT ${DB_NOW} AS now)
  SELECT clock.now AS db_now,
    (SELECT record_json FROM attempts WHERE attempt_id = $1) AS record_json,
    (SELECT attempt_id FROM order_locks WHERE order_no = $2) AS lock_holder,
    EXISTS (SELECT 1 FROM instance_leases WHERE instance_id = $3 AND expires_at > clock.now) AS lease_live,
    coalesce((SELECT event = 'paused' FROM audit_entries WHERE event IN ('paused', 'resumed')
              ORDER BY seq DESC LIMIT 1), false) AS paused,
    (SELECT accept_until FROM call_fences WHERE attempt_id = $1) AS accept_until
  FROM clock`;

const RECORD_FENCE = `
  INSERT INTO call_fences (attempt_id, accept_until, fenced_at, fences) VALUES ($1, $2, $3, 1)
  ON CONFLICT (attempt_id) DO UPDATE SET
    accept_until = excluded.accept_until, fenced_at = excluded.fenced_at, fences = call_fences.fences + 1`;

/** The writes of the PostgreSQL store on a client inside a transaction that holds the chain's lock. */
export function attemptWrites(nextId: () => string) {
  const readSnapshot = async (client: PoolClient, attemptIds: string[], orderNos: string[]) => {
    const { rows } = await client.query<SnapshotRow>(READ_SNAPSHOT, [attemptIds, orderNos]);
    const row = rows[0]!;
    const dbNow = row.db_now;
    const snapshot: WriteSnapshot = {
      dbNow,
      attempts: new Map(
        row.attempts.map((a) => [
          a.id,
          { record: JSON.parse(a.record), inStateForMs: dbNow.getTime() - Date.parse(a.since) },
        ]),
      ),
      locks: new Map(
        row.locks.map(({ orderNo, ...holder }) => [orderNo, { ...holder, since: isoTime(holder.since) }]),
      ),
      acceptUntil: new Map(row.fences.map((f) => [f.id, isoTime(f.until)])),
    };
    return { snapshot, head: row.head ?? { seq: 0, hash: GENESIS_HASH } };
  };

  /**
   * Chains the planned entries on `head` and writes them with what they do to attempts and locks, and the
   * messages they owe (final ones carry the head this write leaves).
   */
  const apply = async (
    client: PoolClient,
    reads: { snapshot: WriteSnapshot; head: ChainHead },
    planned: readonly PlannedEntry[],
    at: Date,
    owed: readonly OutboxItem[] = [],
  ): Promise<AuditEntry[]> => {
    let head = reads.head;
    const built = planned.map((plan) => {
      const next = buildEntry(head, nextId(), plan.event, plan.record, at);
      head = { seq: next.entry.seq, hash: next.entry.hash };
      return { plan, ...next };
    });
    const locks = lockChanges(reads.snapshot, planned);
    await client.query(APPLY, [
      JSON.stringify(built.map((b) => b.row)),
      JSON.stringify(attemptChanges(reads.snapshot, built)),
      JSON.stringify(locks.released),
      JSON.stringify(locks.taken),
      reads.snapshot.dbNow,
      owedJson(
        owed,
        head,
        built.map((b) => b.entry.record),
      ),
    ]);
    return built.map((b) => b.entry);
  };

  return {
    async write(
      client: PoolClient,
      transitions: readonly Transition[],
      at: Date,
      owed: readonly OutboxItem[],
    ): Promise<WriteResult> {
      const { attemptIds, orderNos } = snapshotKeys(transitions);
      const reads = await readSnapshot(client, attemptIds, orderNos);
      const plan = planWrite(transitions, reads.snapshot, at);
      if (!plan.ok) return plan;
      const entries = await apply(client, reads, plan.entries, at, owed);
      return { ok: true, entries, records: entries.map((entry) => entry.record) };
    },

    async annotate(client: PoolClient, attemptId: string, note: Annotation, at: Date) {
      const reads = await readSnapshot(client, [attemptId], []);
      const current = reads.snapshot.attempts.get(attemptId);
      if (!current) return null;
      const planned = planAnnotation(current.record, note);
      if (!planned) return null;
      assertAppendable(planned.event, planned.record, at);
      const [entry] = await apply(client, reads, [planned], at);
      return entry!;
    },

    /** A `paused` / `resumed` entry: about no attempt, so it stays out of the attempts view. */
    async appendControl(
      client: PoolClient,
      record: ControlRecord,
      at: Date,
      owed: readonly OutboxItem[],
    ): Promise<AuditEntry> {
      const head = (await readHead(client)) ?? { seq: 0, hash: GENESIS_HASH };
      const { entry, row } = buildEntry(head, nextId(), record.state, controlAsRecord(record), at);
      const after = { seq: entry.seq, hash: entry.hash };
      await client.query(APPLY, [JSON.stringify([row]), '[]', '[]', '[]', null, owedJson(owed, after)]);
      return entry;
    },

    async fence(client: PoolClient, request: FenceRequest): Promise<FenceResult> {
      const { rows } = await client.query<{
        db_now: Date;
        record_json: string | null;
        lock_holder: string | null;
        lease_live: boolean;
        paused: boolean;
        accept_until: Date | null;
      }>(READ_FENCE, [request.attemptId, request.orderNo, request.instanceId]);
      const row = rows[0]!;
      const verdict = judgeFence(request, {
        dbNow: row.db_now,
        attempt: row.record_json ? JSON.parse(row.record_json) : null,
        lockHolderId: row.lock_holder,
        leaseLive: row.lease_live,
        paused: row.paused,
        acceptUntil: row.accept_until?.toISOString() ?? null,
      });
      if (verdict.ok) await client.query(RECORD_FENCE, [request.attemptId, verdict.acceptUntil, row.db_now]);
      return verdict;
    },
  };
}

/** The owed messages as APPLY's rows, numbered in the order owed (ids are given in that order). */
function owedJson(
  owed: readonly OutboxItem[],
  head: ChainHead,
  written: readonly AttemptRecord[] = [],
): string {
  return JSON.stringify(owedColumns(owed, head, written).map((columns, n) => ({ n, ...columns })));
}

/** Times inside JSON come as text with the session's offset; the port speaks ISO-8601 UTC. */
function isoTime(text: string): string {
  return new Date(text).toISOString();
}

/** One row per attempt, as its last entry here leaves it; `moved` when any entry here changed its state. */
function attemptChanges(
  snapshot: WriteSnapshot,
  built: ReadonlyArray<{ plan: PlannedEntry; row: EntryRow }>,
) {
  const rows = new Map<string, Record<string, unknown>>();
  for (const { plan, row } of built) {
    const { record } = plan;
    rows.set(record.attemptId, {
      attempt_id: record.attemptId,
      batch_id: record.batchId,
      state: record.state,
      order_no: record.orderNo,
      requester_id: record.requesterId,
      channel_id: record.channelId,
      updated_at: row.at,
      last_seq: row.seq,
      record_json: row.record_json,
      known: snapshot.attempts.has(record.attemptId),
      moved: plan.changesState || rows.get(record.attemptId)?.moved === true,
    });
  }
  return [...rows.values()];
}

/**
 * The order locks as the planned entries leave them, applied one by one as the other backends do (a release
 * removes only the releasing attempt's lock; a take sets the holder), then reduced to one change per order.
 */
function lockChanges(snapshot: WriteSnapshot, planned: readonly PlannedEntry[]) {
  const holders = new Map<string, { attemptId: string; requesterId: string } | null>();
  const taken = new Set<string>();
  const holderOf = (orderNo: string) =>
    holders.has(orderNo) ? holders.get(orderNo)! : (snapshot.locks.get(orderNo) ?? null);
  for (const { record, releaseLock, takeLock } of planned) {
    if (releaseLock && holderOf(releaseLock)?.attemptId === record.attemptId) holders.set(releaseLock, null);
    if (takeLock) {
      holders.set(takeLock, { attemptId: record.attemptId, requesterId: record.requesterId });
      taken.add(takeLock);
    }
  }
  const released: Array<{ order_no: string; attempt_id: string }> = [];
  const stillTaken: Array<{ order_no: string; attempt_id: string; requester_id: string }> = [];
  for (const [orderNo, holder] of holders) {
    const before = snapshot.locks.get(orderNo);
    if (holder === null && before) released.push({ order_no: orderNo, attempt_id: before.attemptId });
    if (holder !== null && taken.has(orderNo)) {
      stillTaken.push({ order_no: orderNo, attempt_id: holder.attemptId, requester_id: holder.requesterId });
    }
  }
  return { released, taken: stillTaken };
}
