import type { Logger } from 'pino';
import type { CancelExecution } from './core/cancel-execution.js';
import type { InstanceLease } from './core/instance-lease.js';
import { createOperatorControl } from './core/operator-control.js';
import { createPauseState, type PauseState } from './core/pause-state.js';
import type { CancelPolicy } from './core/policy.js';
import type { AuditStore } from './core/ports/audit.js';
import type { Clock } from './core/ports/clock.js';
import type { WdtPort } from './core/ports/wdt.js';
import type { RefusedRequest } from './core/refused-request.js';
import { createUnlockOrder } from './core/unlock-order.js';
import { idFactory } from './ids.js';
import { makeOperatorCommandHandler, type OperatorActions } from './slack/handlers/operator-command.js';
import type { OperatorCommandArgs } from './slack/handlers/slash-command.js';
import { makeUnlockCommandHandler } from './slack/handlers/unlock-command.js';
import { makeOperatorActions } from './slack/operator-actions.js';

/** The longest a pause written on one replica goes unseen on another. */
const PAUSE_READ_EVERY_MS = 1_000;
/** A last good reading older than this is not trusted: cancels are refused until the store answers. */
const PAUSE_STALE_AFTER_MS = 3_000;
/** Start-up waits this long for the first reading; until one succeeds, cancels are refused. */
const FIRST_READ_WAIT_MS = 2_000;

/** The operators' pause as this process sees it: the cancel paths and the gauge read its cached view. */
function createPause(audit: AuditStore, logger: Logger): PauseState & { begin(): Promise<void> } {
  const state = createPauseState({
    read: () => audit.controlState(),
    logger: logger.child({ component: 'pause' }),
    everyMs: PAUSE_READ_EVERY_MS,
    staleAfterMs: PAUSE_STALE_AFTER_MS,
  });
  return {
    ...state,
    async begin() {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, FIRST_READ_WAIT_MS);
      });
      await Promise.race([state.refresh(), waited]);
      clearTimeout(timer);
      state.start();
    },
  };
}

interface UnlockDeps {
  execution: Pick<CancelExecution, 'isRunning'>;
  reconciler: { lease: InstanceLease; longestCallMs: number };
}

/**
 * The operators' controls (issue 18): the pause every cancel path consults, and `/cancel-stockin
 * pause|resume|status|unlock` behind the admin gate.
 */
export function createOperatorControls(deps: {
  audit: AuditStore;
  policy: Pick<CancelPolicy, 'isAdmin'>;
  recordRefusal: (request: RefusedRequest) => Promise<void>;
  clock: Clock;
  wdt: WdtPort;
  logger: Logger;
}): {
  pause: PauseState & { begin(): Promise<void> };
  /** The commands' handler, once the execution and the reconciler (which come after the pause) exist. */
  commands(later: UnlockDeps): (args: OperatorCommandArgs) => Promise<void>;
} {
  const { audit, logger } = deps;
  const pause = createPause(audit, logger);
  const control = createOperatorControl({
    audit,
    pauseState: pause,
    clock: deps.clock,
    newId: idFactory(),
    wdtHost: deps.wdt.environment.host,
  });
  const actions = (later: UnlockDeps): OperatorActions => ({
    ...makeOperatorActions({ control, logger }),
    unlock: makeUnlockCommandHandler({
      unlockOrder: createUnlockOrder({
        wdt: deps.wdt,
        audit,
        clock: deps.clock,
        logger,
        lease: later.reconciler.lease,
        longestCallMs: later.reconciler.longestCallMs,
        isRunningHere: later.execution.isRunning,
        recordRefusal: deps.recordRefusal,
      }),
      logger,
    }),
  });
  return {
    pause,
    commands: (later) => makeOperatorCommandHandler({ ...deps, actions: actions(later) }),
  };
}
