import type Database from 'better-sqlite3';
import type { Annotation, AuditEntry } from '../../core/ports/audit.js';
import type {
  ClaimedDelivery,
  DeliveryOutcome,
  OutboxRow,
  OutboxState,
  OutboxSummary,
} from '../../core/ports/outbox.js';
import { claimedOf, outboxRowOf, type StoredOutboxRow } from '../outbox-columns.js';
import { deliveredNote, notifiedAttempts, planClaim, settledRow } from '../plan-outbox.js';

/** A row of `outbox` as SQLite gives it back: times are the store's clock, as ISO-8601 UTC text. */
interface SqliteOutboxRow extends StoredOutboxRow {
  id: number;
  owed_at: string;
  claimed_by: string | null;
  claimed_until: string | null;
}

interface PendingColumns {
  id: number;
  slot: string;
  next_try_at: string;
  claimed_by: string | null;
  claimed_until: string | null;
}

/**
 * The outbox on one SQLite file: claims, their extension and settlement, the summary and the listings. The
 * writing ones are bodies for a transaction the store opens (a savepoint when group-committed); messages are
 * owed by the writes themselves (`attempt-writes.ts`).
 */
export function sqliteOutbox(
  db: Database.Database,
  now: () => Date,
  annotate: (attemptId: string, note: Annotation, at: Date) => AuditEntry | null,
) {
  // Through outbox_state (migration 5): only the rows still owed, however many were delivered.
  const pending = db.prepare<[], PendingColumns>(
    "SELECT id, slot, next_try_at, claimed_by, claimed_until FROM outbox WHERE state = 'pending'",
  );
  const supersede = db.prepare<{ id: number; at: string }>(
    "UPDATE outbox SET state = 'superseded', settled_at = @at WHERE id = @id AND state = 'pending'",
  );
  const claim = db.prepare<{ id: number; by: string; until: string }, SqliteOutboxRow>(
    `UPDATE outbox SET claimed_by = @by, claimed_until = @until, tries = tries + 1
     WHERE id = @id AND state = 'pending' RETURNING *`,
  );
  // Through outbox_slot: the slot's first delivered post, the one later messages of an `edit` slot edit.
  const slotMessage = db.prepare<[string], { channel: string | null; ts: string | null }>(
    `SELECT delivered_channel AS channel, delivered_ts AS ts FROM outbox
     WHERE slot = ? AND state = 'delivered' AND delivered_ts IS NOT NULL AND delivered_channel IS NOT NULL
     ORDER BY id LIMIT 1`,
  );
  const extend = db.prepare<{ id: number; by: string; until: string }>(
    "UPDATE outbox SET claimed_until = @until WHERE id = @id AND state = 'pending' AND claimed_by = @by",
  );
  const claimed = db.prepare<{ id: number; by: string }, { attempt_ids: string }>(
    "SELECT attempt_ids FROM outbox WHERE id = @id AND state = 'pending' AND claimed_by = @by",
  );
  const settle = db.prepare<{
    id: number;
    state: string;
    next_try_at: string | null;
    last_error: string | null;
    delivered_channel: string | null;
    delivered_ts: string | null;
    settled_at: string | null;
  }>(
    `UPDATE outbox SET state = @state, next_try_at = coalesce(@next_try_at, next_try_at),
       last_error = @last_error, delivered_channel = @delivered_channel, delivered_ts = @delivered_ts,
       claimed_by = NULL, claimed_until = NULL, settled_at = @settled_at
     WHERE id = @id`,
  );
  // Through outbox_state: two counts and one minimum over the rows still owed or given up.
  const summary = db.prepare<[], { pending: number; oldest: string | null; given_up: number }>(
    `SELECT (SELECT count(*) FROM outbox WHERE state = 'pending') AS pending,
       (SELECT min(owed_at) FROM outbox WHERE state = 'pending') AS oldest,
       (SELECT count(*) FROM outbox WHERE state = 'given_up') AS given_up`,
  );
  const listed = db.prepare<{ states: string; limit: number }, SqliteOutboxRow>(
    `SELECT * FROM outbox WHERE state IN (SELECT value FROM json_each(@states)) ORDER BY id LIMIT @limit`,
  );
  const iso = (ms: number) => new Date(ms).toISOString();

  return {
    claimDeliveries(request: { by: string; limit: number; leaseMs: number }): ClaimedDelivery[] {
      const dbNow = now().getTime();
      const plan = planClaim(
        pending.all().map((row) => ({
          id: row.id,
          slot: row.slot,
          nextTryAt: Date.parse(row.next_try_at),
          claimedBy: row.claimed_by,
          claimedUntil: row.claimed_until === null ? null : Date.parse(row.claimed_until),
        })),
        dbNow,
        request.limit,
      );
      for (const id of plan.supersede) supersede.run({ id, at: iso(dbNow) });
      const until = iso(dbNow + request.leaseMs);
      return plan.claim.map((id) => {
        const row = claim.get({ id, by: request.by, until })!;
        return claimedOf(
          row,
          { owedAt: row.owed_at, claimedBy: request.by, claimedUntil: until },
          slotMessage.get(row.slot),
        );
      });
    },

    confirmClaim(id: number, by: string, leaseMs: number): boolean {
      return extend.run({ id, by, until: iso(now().getTime() + leaseMs) }).changes === 1;
    },

    settleDelivery(id: number, by: string, outcome: DeliveryOutcome): AuditEntry[] | null {
      const row = claimed.get({ id, by });
      if (!row) return null;
      const dbNow = now();
      const settled = settledRow(outcome, dbNow.getTime());
      settle.run({
        id,
        state: settled.state,
        next_try_at: settled.nextTryAt === null ? null : iso(settled.nextTryAt),
        last_error: settled.lastError,
        delivered_channel: settled.deliveredChannel,
        delivered_ts: settled.deliveredTs,
        settled_at: settled.state === 'pending' ? null : dbNow.toISOString(),
      });
      const entries: AuditEntry[] = [];
      if (outcome.kind !== 'delivered') return entries;
      const note = deliveredNote(outcome);
      for (const attemptId of notifiedAttempts(outcome, JSON.parse(row.attempt_ids) as string[])) {
        const entry = annotate(attemptId, note, dbNow);
        if (entry) entries.push(entry);
      }
      return entries;
    },

    outboxSummary(): OutboxSummary {
      const dbNow = now().getTime();
      const row = summary.get()!;
      return {
        pending: row.pending,
        oldestPendingMs: row.oldest === null ? null : dbNow - Date.parse(row.oldest),
        givenUp: row.given_up,
      };
    },

    outboxRows(filter: { states: OutboxState[]; limit: number }): OutboxRow[] {
      return listed
        .all({ states: JSON.stringify(filter.states), limit: Math.max(0, Math.trunc(filter.limit)) })
        .map((row) => outboxRowOf(row, row.owed_at));
    },
  };
}
