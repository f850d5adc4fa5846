import { formatAge } from './audit/cli/held-locks.js';
import type { AuditStoreWhenReady } from './audit/open-store-when-ready.js';
import { withDeadline } from './core/deadline.js';
import type { OutboxSummary } from './core/ports/outbox.js';
import { READY, type ReadinessCheck, type ReadinessNote } from './slack/health-routes.js';
import type { SlackIdentity } from './slack/identity.js';

/** A store that takes longer than this to answer a ping cannot serve a person waiting in Slack either. */
export const READINESS_WAIT_MS = 2_000;

/**
 * What `/readyz` asks before it says a cancel can be served end to end: the bot takes new commands, the
 * audit store answers, and auth.test has succeeded. (Socket Mode adds its WebSocket: see create-bolt-app.ts.)
 */
export function readinessChecks(deps: {
  accepting: () => boolean;
  audit: AuditStoreWhenReady;
  identity: SlackIdentity;
  /** This process's instance lease: `ok`, or why other processes may take it for dead. */
  lease?: () => string;
  waitMs?: number;
}): Record<string, ReadinessCheck> {
  return {
    accepting: () => (deps.accepting() ? READY : 'shutting down'),
    audit: () => {
      const reason = deps.audit.unavailableReason();
      if (reason !== null) return reason;
      const answer = deps.audit.ping().then(
        () => READY,
        (error: unknown) => `unavailable: ${error instanceof Error ? error.message.slice(0, 200) : 'error'}`,
      );
      return withDeadline(answer, deps.waitMs ?? READINESS_WAIT_MS, () => 'not answering');
    },
    slack_auth: () => deps.identity.status(),
    ...(deps.lease ? { instance_lease: deps.lease } : {}),
  };
}

/**
 * Messages owed to Slack for longer than this are worth a word on `/readyz`: Slack is down or refusing, or no
 * process delivers. Not a failure: every other request is served, and taking the replica out of rotation
 * would deliver nothing sooner.
 */
export const OUTBOX_NOTE_AFTER_MS = 3 * 60_000;

/** What `/readyz` says besides its checks: how long messages have been waiting for Slack, when it is long. */
export function readinessNotes(deps: {
  outbox: () => Promise<OutboxSummary>;
  waitMs?: number;
}): Record<string, ReadinessNote> {
  return {
    outbox: async () => {
      const summary = await withDeadline(
        deps.outbox().catch(() => null),
        deps.waitMs ?? READINESS_WAIT_MS,
        () => null,
      );
      if (summary === null || summary.oldestPendingMs === null) return null;
      if (summary.oldestPendingMs < OUTBOX_NOTE_AFTER_MS) return null;
      const count = summary.pending === 1 ? '1 message' : `${summary.pending} messages`;
      return `${count} waiting for Slack, the oldest for ${formatAge(summary.oldestPendingMs)} (npm run audit -- outbox)`;
    },
  };
}
