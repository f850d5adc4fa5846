import type { Pool, PoolClient } from 'pg';
import type { Annotation, AuditEntry } from '../../core/ports/audit.js';
import type {
  ClaimedDelivery,
  DeliveryOutcome,
  OutboxRow,
  OutboxState,
  OutboxSummary,
} from '../../core/ports/outbox.js';
import { claimedOf, outboxRowOf, type StoredOutboxRow } from '../outbox-columns.js';
import { deliveredNote, notifiedAttempts, type PendingRow, planClaim, settledRow } from '../plan-outbox.js';
import { DB_NOW } from './session.js';

/** A row of `outbox` as pg gives it back: a BIGINT id as a string, times as Dates. */
interface PgOutboxRow extends StoredOutboxRow {
  id: string;
  owed_at: Date;
}

/**
 * Every pending row as the claim plans with it, and the time, in one statement. Run under the outbox's lock,
 * in a statement of its own (one that took the lock would read from before it).
 */
const READ_PENDING = `
  WITH clock AS (SELECT ${DB_NOW} AS now)
  SELECT clock.now AS db_now,
    (SELECT coalesce(json_agg(json_build_object('id', id, 'slot', slot, 'next_try_at', next_try_at,
         'claimed_by', claimed_by, 'claimed_until', claimed_until)), '[]')
       FROM outbox WHERE state = 'pending') AS pending
  FROM clock`;

/**
 * The claim's plan applied: older rows superseded, the chosen ones claimed, each with its slot's message
 * (its first delivered post, which an `edit` edits), oldest first.
 */
const APPLY_CLAIM = `
  WITH superseded AS (
    UPDATE outbox SET state = 'superseded', settled_at = $3
    WHERE id = ANY ($1::bigint[]) AND state = 'pending'
  ), claimed AS (
    UPDATE outbox SET claimed_by = $4, claimed_until = $5, tries = tries + 1
    WHERE id = ANY ($2::bigint[]) AND state = 'pending'
    RETURNING *
  )
  SELECT c.*, m.delivered_channel AS slot_channel, m.delivered_ts AS slot_ts
  FROM claimed c LEFT JOIN LATERAL (
    SELECT delivered_channel, delivered_ts FROM outbox d
    WHERE d.slot = c.slot AND d.state = 'delivered' AND d.delivered_ts IS NOT NULL
      AND d.delivered_channel IS NOT NULL
    ORDER BY d.id LIMIT 1
  ) m ON true
  ORDER BY c.id`;

const EXTEND = `
  UPDATE outbox SET claimed_until = ${DB_NOW} + $3 * interval '1 millisecond'
  WHERE id = $1 AND state = 'pending' AND claimed_by = $2`;

/** The time, and the claimed row's attempts when the claim still holds (else null). */
const READ_CLAIMED = `
  WITH clock AS (SELECT ${DB_NOW} AS now)
  SELECT clock.now AS db_now, o.attempt_ids
  FROM clock LEFT JOIN outbox o ON o.id = $1 AND o.state = 'pending' AND o.claimed_by = $2`;

const SETTLE = `
  UPDATE outbox SET state = $2, next_try_at = coalesce($3, next_try_at), last_error = $4,
    delivered_channel = $5, delivered_ts = $6, claimed_by = NULL, claimed_until = NULL, settled_at = $7
  WHERE id = $1`;

/** The outbox's claims, settlements and listings on a client inside a transaction that holds the outbox lock. */
export function postgresOutbox(
  annotate: (client: PoolClient, attemptId: string, note: Annotation, at: Date) => Promise<AuditEntry | null>,
) {
  return {
    async claimDeliveries(
      client: PoolClient,
      request: { by: string; limit: number; leaseMs: number },
    ): Promise<ClaimedDelivery[]> {
      const { rows } = await client.query<{
        db_now: Date;
        pending: Array<{
          id: number;
          slot: string;
          next_try_at: string;
          claimed_by: string | null;
          claimed_until: string | null;
        }>;
      }>(READ_PENDING);
      const { db_now: dbNow, pending } = rows[0]!;
      const plan = planClaim(
        pending.map(
          (row): PendingRow => ({
            id: row.id,
            slot: row.slot,
            nextTryAt: Date.parse(row.next_try_at),
            claimedBy: row.claimed_by,
            claimedUntil: row.claimed_until === null ? null : Date.parse(row.claimed_until),
          }),
        ),
        dbNow.getTime(),
        request.limit,
      );
      if (plan.supersede.length === 0 && plan.claim.length === 0) return [];
      const until = new Date(dbNow.getTime() + request.leaseMs);
      const claimed = await client.query<
        PgOutboxRow & { slot_channel: string | null; slot_ts: string | null }
      >(APPLY_CLAIM, [plan.supersede, plan.claim, dbNow, request.by, until]);
      return claimed.rows.map((row) =>
        claimedOf(
          row,
          { owedAt: row.owed_at.toISOString(), claimedBy: request.by, claimedUntil: until.toISOString() },
          { channel: row.slot_channel, ts: row.slot_ts },
        ),
      );
    },

    async confirmClaim(client: PoolClient, id: number, by: string, leaseMs: number): Promise<boolean> {
      const { rowCount } = await client.query(EXTEND, [id, by, leaseMs]);
      return rowCount === 1;
    },

    async settleDelivery(
      client: PoolClient,
      id: number,
      by: string,
      outcome: DeliveryOutcome,
    ): Promise<AuditEntry[] | null> {
      const { rows } = await client.query<{ db_now: Date; attempt_ids: string | null }>(READ_CLAIMED, [
        id,
        by,
      ]);
      const { db_now: dbNow, attempt_ids: attemptIds } = rows[0]!;
      if (attemptIds === null) return null;
      const settled = settledRow(outcome, dbNow.getTime());
      await client.query(SETTLE, [
        id,
        settled.state,
        settled.nextTryAt === null ? null : new Date(settled.nextTryAt),
        settled.lastError,
        settled.deliveredChannel,
        settled.deliveredTs,
        settled.state === 'pending' ? null : dbNow,
      ]);
      const entries: AuditEntry[] = [];
      if (outcome.kind !== 'delivered') return entries;
      const note = deliveredNote(outcome);
      for (const attemptId of notifiedAttempts(outcome, JSON.parse(attemptIds) as string[])) {
        const entry = await annotate(client, attemptId, note, dbNow);
        if (entry) entries.push(entry);
      }
      return entries;
    },
  };
}

/** The outbox's reads, outside any transaction. */
export function postgresOutboxReads(pool: Pool) {
  return {
    async outboxSummary(): Promise<OutboxSummary> {
      // Through outbox_state (migration 5): two counts and one minimum over the rows still owed or given up.
      const { rows } = await pool.query<{ pending: number; oldest_ms: number | null; given_up: number }>(
        `WITH clock AS (SELECT ${DB_NOW} AS now)
         SELECT (SELECT count(*)::int FROM outbox WHERE state = 'pending') AS pending,
           (SELECT (extract(epoch FROM clock.now - min(owed_at)) * 1000)::float8
              FROM outbox WHERE state = 'pending') AS oldest_ms,
           (SELECT count(*)::int FROM outbox WHERE state = 'given_up') AS given_up
         FROM clock`,
      );
      const row = rows[0]!;
      return { pending: row.pending, oldestPendingMs: row.oldest_ms, givenUp: row.given_up };
    },

    async outboxRows(filter: { states: OutboxState[]; limit: number }): Promise<OutboxRow[]> {
      const { rows } = await pool.query<PgOutboxRow>(
        'SELECT * FROM outbox WHERE state = ANY ($1::text[]) ORDER BY id LIMIT $2',
        [filter.states, Math.max(0, Math.trunc(filter.limit))],
      );
      return rows.map((row) => outboxRowOf(row, row.owed_at.toISOString()));
    },
  };
}
