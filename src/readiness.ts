import type { AuditStoreWhenReady } from './audit/open-store-when-ready.js';
import { withDeadline } from './core/deadline.js';
import { READY, type ReadinessCheck } from './slack/health-routes.js';
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
