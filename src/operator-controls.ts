import type { Logger } from 'pino';
import type { CancelExecution } from './core/cancel-execution.js';
import type { InstanceLease } from './core/instance-lease.js';
import type { CancelPolicy } from './core/policy.js';
import type { AuditStore } from './core/ports/audit.js';
import type { Clock } from './core/ports/clock.js';
import type { WdtPort } from './core/ports/wdt.js';
import type { RefusedRequest } from './core/refused-request.js';
import { createUnlockOrder } from './core/unlock-order.js';
import { makeOperatorCommandHandler } from './slack/handlers/operator-command.js';
import type { OperatorCommandArgs } from './slack/handlers/slash-command.js';
import { makeUnlockCommandHandler } from './slack/handlers/unlock-command.js';

/**
 * The operators' `/cancel-stockin` words behind the admin gate. This build has `unlock`; pause, resume and
 * status come with their own branch and answer "not available" here until it is merged.
 */
export function createOperatorControls(deps: {
  policy: Pick<CancelPolicy, 'isAdmin'>;
  recordRefusal: (request: RefusedRequest) => Promise<void>;
  execution: Pick<CancelExecution, 'announce'>;
  reconciler: { lease: InstanceLease; longestCallMs: number };
  wdt: WdtPort;
  audit: AuditStore;
  clock: Clock;
  logger: Logger;
}) {
  const { policy, recordRefusal, logger } = deps;
  const unlockOrder = createUnlockOrder({
    wdt: deps.wdt,
    audit: deps.audit,
    clock: deps.clock,
    logger,
    lease: deps.reconciler.lease,
    longestCallMs: deps.reconciler.longestCallMs,
    announce: deps.execution.announce,
    recordRefusal,
  });
  const notAvailable = async ({ parsed, respond, texts }: OperatorCommandArgs) => {
    await respond({ response_type: 'ephemeral', text: texts.unlock.notAvailable(parsed.kind) });
  };
  return makeOperatorCommandHandler({
    policy,
    recordRefusal,
    logger,
    actions: {
      pause: notAvailable,
      resume: notAvailable,
      status: notAvailable,
      unlock: makeUnlockCommandHandler({ unlockOrder, logger }),
    },
  });
}
