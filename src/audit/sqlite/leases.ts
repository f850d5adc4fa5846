import type Database from 'better-sqlite3';
import type { HeldLock, InstanceLease } from '../../core/ports/audit.js';

/** Leases that ended this long ago say nothing a missing lease does not: they are pruned at renewal. */
export const LEASE_PRUNE_AFTER_MS = 24 * 60 * 60_000;

interface LeaseRow {
  instance_id: string;
  started_at: string;
  renewed_at: string;
  expires_at: string;
}

interface HeldLockRow {
  order_no: string;
  attempt_id: string;
  requester_id: string;
  acquired_at: string;
  record_json: string | null;
}

/**
 * Instance leases and the held-locks listing on one SQLite file. Every process on a file runs on one host,
 * so this host's clock is the store's clock; ISO-8601 UTC text compares in time order.
 */
export function sqliteLeases(db: Database.Database, now: () => Date = () => new Date()) {
  const renew = db.prepare<{ id: string; at: string; expires: string }>(
    `INSERT INTO instance_leases (instance_id, started_at, renewed_at, expires_at) VALUES (@id, @at, @at, @expires)
     ON CONFLICT (instance_id) DO UPDATE SET renewed_at = excluded.renewed_at, expires_at = excluded.expires_at`,
  );
  const prune = db.prepare<[string]>('DELETE FROM instance_leases WHERE expires_at < ?');
  const drop = db.prepare<[string]>('DELETE FROM instance_leases WHERE instance_id = ?');
  const all = db.prepare<[], LeaseRow>('SELECT * FROM instance_leases ORDER BY started_at, instance_id');
  const held = db.prepare<[], HeldLockRow>(
    `SELECT l.order_no, l.attempt_id, l.requester_id, l.acquired_at, a.record_json
     FROM order_locks l LEFT JOIN attempts a ON a.attempt_id = l.attempt_id
     ORDER BY l.acquired_at, l.order_no`,
  );
  const renewTx = db.transaction((instanceId: string, ttlMs: number) => {
    const at = now();
    renew.run({
      id: instanceId,
      at: at.toISOString(),
      expires: new Date(at.getTime() + ttlMs).toISOString(),
    });
    prune.run(new Date(at.getTime() - LEASE_PRUNE_AFTER_MS).toISOString());
  });

  return {
    renewLease(instanceId: string, ttlMs: number): void {
      renewTx.immediate(instanceId, ttlMs);
    },
    dropLease(instanceId: string): void {
      drop.run(instanceId);
    },
    leases(): InstanceLease[] {
      const at = now().toISOString();
      return all.all().map((row) => ({
        instanceId: row.instance_id,
        startedAt: row.started_at,
        renewedAt: row.renewed_at,
        expiresAt: row.expires_at,
        live: row.expires_at > at,
      }));
    },
    heldLocks(): HeldLock[] {
      return held.all().map((row) => ({
        orderNo: row.order_no,
        attemptId: row.attempt_id,
        requesterId: row.requester_id,
        since: row.acquired_at,
        record: row.record_json ? JSON.parse(row.record_json) : null,
      }));
    },
  };
}
