import type { Pool, QueryConfig } from 'pg';
import type { HeldLock, InstanceLease } from '../../core/ports/audit.js';

/** Leases that ended this long ago say nothing a missing lease does not: they are pruned at renewal. */
const LEASE_PRUNE_AFTER = '1 day';

/**
 * How long a lease renewal may take before it is given up: a renewal stuck behind a dead connection must
 * fail well inside the lease, so that the process hears of it (and says so) before others see it as dead.
 */
export const LEASE_QUERY_TIMEOUT_MS = 2_000;

interface LeaseRow {
  instance_id: string;
  started_at: Date;
  renewed_at: Date;
  expires_at: Date;
  live: boolean;
}

interface HeldLockRow {
  order_no: string;
  attempt_id: string;
  requester_id: string;
  acquired_at: Date;
  record_json: string | null;
}

/**
 * Instance leases and the held-locks listing on PostgreSQL. Every time is the server's (now()): replicas on
 * different hosts judge each other's leases by one clock.
 */
export function postgresLeases(pool: Pool) {
  return {
    async renewLease(instanceId: string, ttlMs: number): Promise<void> {
      // pg reads a per-query read timeout from the query's config; its types do not list it.
      const renewal: QueryConfig & { query_timeout: number } = {
        text: `WITH renewed AS (
                 INSERT INTO instance_leases (instance_id, started_at, renewed_at, expires_at)
                 VALUES ($1, now(), now(), now() + $2 * interval '1 millisecond')
                 ON CONFLICT (instance_id) DO UPDATE SET renewed_at = now(), expires_at = excluded.expires_at
                 RETURNING 1)
               DELETE FROM instance_leases WHERE expires_at < now() - $3::interval`,
        values: [instanceId, Math.max(0, Math.trunc(ttlMs)), LEASE_PRUNE_AFTER],
        query_timeout: LEASE_QUERY_TIMEOUT_MS,
      };
      await pool.query(renewal);
    },
    async dropLease(instanceId: string): Promise<void> {
      await pool.query('DELETE FROM instance_leases WHERE instance_id = $1', [instanceId]);
    },
    async leases(): Promise<InstanceLease[]> {
      const { rows } = await pool.query<LeaseRow>(
        `SELECT instance_id, started_at, renewed_at, expires_at, expires_at > now() AS live
         FROM instance_leases ORDER BY started_at, instance_id`,
      );
      return rows.map((row) => ({
        instanceId: row.instance_id,
        startedAt: row.started_at.toISOString(),
        renewedAt: row.renewed_at.toISOString(),
        expiresAt: row.expires_at.toISOString(),
        live: row.live,
      }));
    },
    async heldLocks(): Promise<HeldLock[]> {
      const { rows } = await pool.query<HeldLockRow>(
        `SELECT l.order_no, l.attempt_id, l.requester_id, l.acquired_at, a.record_json
         FROM order_locks l LEFT JOIN attempts a ON a.attempt_id = l.attempt_id
         ORDER BY l.acquired_at, l.order_no`,
      );
      return rows.map((row) => ({
        orderNo: row.order_no,
        attemptId: row.attempt_id,
        requesterId: row.requester_id,
        since: row.acquired_at.toISOString(),
        record: row.record_json ? JSON.parse(row.record_json) : null,
      }));
    },
  };
}
