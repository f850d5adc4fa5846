import type { HeldLock, InstanceLease } from '../../core/ports/audit.js';
import { textTable } from './text-table.js';

const COLUMNS = ['ORDER', 'ATTEMPT', 'STATE', 'HOLDER', 'REQUESTER', 'SINCE', 'AGE'] as const;

/** `1h02m`, `3m05s`, `12s`: how long a lock has been held. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * The held order locks as a table: each lock's attempt, the process that holds it (its instance id, and
 * whether its lease is live: a lock held by a dead process is what `unlock` releases), who asked, and for how
 * long. Locks from before leases name no instance.
 */
export function formatHeldLocks(
  locks: readonly HeldLock[],
  leases: readonly InstanceLease[],
  now: Date,
): string {
  if (locks.length === 0) return 'no order locks are held\n';
  const live = new Set(leases.filter((lease) => lease.live).map((lease) => lease.instanceId));
  const rows = locks.map((lock) => {
    const instanceId = lock.record?.instanceId;
    const holder = instanceId ? `${instanceId} (${live.has(instanceId) ? 'live' : 'not live'})` : '(unknown)';
    return [
      lock.orderNo,
      lock.attemptId,
      lock.record?.state ?? '(missing)',
      holder,
      lock.requesterId,
      lock.since,
      formatAge(now.getTime() - Date.parse(lock.since)),
    ];
  });
  return `${textTable(COLUMNS, rows)}${locks.length} held\n`;
}
