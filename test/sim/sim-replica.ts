import { Writable } from 'node:stream';
import { callTimings } from '../../src/call-timing.js';
import { createCancelCore } from '../../src/core/cancel-core.js';
import { InFlight } from '../../src/core/in-flight.js';
import { createOperatorControl } from '../../src/core/operator-control.js';
import { createPauseState } from '../../src/core/pause-state.js';
import { createCancelPolicy } from '../../src/core/policy.js';
import type { AuditStore } from '../../src/core/ports/audit.js';
import { createUnlockOrder } from '../../src/core/unlock-order.js';
import { SANDBOX_CREDENTIALS } from '../../src/local/wdt-standin/server.js';
import { createLogger } from '../../src/logger.js';
import { createReconcileLoop } from '../../src/reconcile-loop.js';
import { createSlackChatClient, ONE_TRY } from '../../src/slack/chat-client.js';
import { createOutboxWorker } from '../../src/slack/outbox/worker.js';
import { createSeals } from '../../src/slack/private-metadata.js';
import { textsFor } from '../../src/slack/texts/index.js';
import { createWdtClient } from '../../src/wdt/client.js';
import { resyncOnTimestampRefusal } from '../../src/wdt/resync-on-timestamp-refusal.js';
import { SkewClock } from '../../src/wdt/skew-clock.js';
import type { Oracle } from './oracle.js';
import type { SimSlack } from './sim-slack.js';
import { type StoreFaults, simStore } from './sim-store.js';
import type { SimWdt } from './sim-wdt.js';
import type { World } from './world.js';

export const USERS = { alice: 'U0ALICE', bob: 'U0BOB', approver: 'U0CAROL', admin: 'U0OPS' } as const;
export const CHANNEL = 'C0STOCKOPS';
export const AUDIT_CHANNEL = 'C0AUDIT';

/** The deployment's configuration, shared by every replica (a short WDT timeout keeps the bounds short). */
export const SIM_CONFIG = { WDT_TIMEOUT_MS: 1_000, LOOKUP_DAYS: 30, MAX_BATCH: 3 } as const;
export const BATCH_CONCURRENCY = 2;
export const TIMINGS = callTimings(SIM_CONFIG, BATCH_CONCURRENCY);
export const APPROVAL_TTL_MS = 2 * 60_000;
const PAUSE = { everyMs: 1_000, staleAfterMs: 3_000 } as const;
const EXPIRY_SWEEP_MS = 60_000;
const CLOCK_SYNC_MS = 5 * 60_000;

/** Log lines at error level that name a broken rule: a bug, never a fault the world injected. */
export interface BugLog {
  lines: string[];
}

/**
 * One bot process of the deployment, built from the real code as `app.ts` builds it, minus Slack: the cancel,
 * approval and operator use cases, the WDT client (signing, retries, the clock resync) on the simulated WDT,
 * the lease, the reconcile loop and the pause reading, on the world's time and the shared database.
 */
export function startReplica(deps: {
  world: World;
  id: string;
  database: AuditStore;
  wdt: SimWdt;
  slack: SimSlack;
  oracle: Oracle;
  approvalMode: 'self' | 'peer';
  storeFaults: StoreFaults;
  bugs: BugLog;
}) {
  const { world, id, oracle } = deps;
  const timers = world.timersFor(id);
  let skewMs = 0;
  const clock = world.clockFor(() => skewMs);
  const logger = createLogger({
    level: 'error',
    destination: new Writable({
      write(chunk, _encoding, done) {
        const line = String(chunk);
        if (/TypeError|is not a transition|unexpected|lost \d+ races/.test(line))
          deps.bugs.lines.push(`${id}: ${line}`);
        done();
      },
    }),
  });
  const audit = simStore(world, id, deps.database, oracle, deps.storeFaults);
  const wdtClock = new SkewClock({ base: clock, logger });
  const client = createWdtClient({
    baseUrl: 'http://wdt.sim/openapi',
    ...SANDBOX_CREDENTIALS,
    timeoutMs: SIM_CONFIG.WDT_TIMEOUT_MS,
    clock: wdtClock,
    logger,
    dispatcher: deps.wdt.dispatcherFor(id),
    timers,
    rateLimitRetry: { sleep: timers.sleep },
  });
  const wdt = resyncOnTimestampRefusal(client, wdtClock);
  const policy = createCancelPolicy({
    allow: { users: [USERS.alice, USERS.bob], usergroups: [] },
    approvers: { users: [USERS.approver], usergroups: [] },
    admins: { users: [USERS.admin], usergroups: [] },
    channels: [],
    directory: { usergroupMembers: async () => [] },
  });
  const pause = createPauseState({ read: () => audit.controlState(), logger, ...PAUSE, timers });
  const settings = {
    lookupDays: SIM_CONFIG.LOOKUP_DAYS,
    allowUnverified: false,
    concurrency: BATCH_CONCURRENCY,
    callBudget: { checkMs: TIMINGS.checkMs, sendMs: TIMINGS.sendMs },
    approvalMode: deps.approvalMode,
    approvalTtlMs: APPROVAL_TTL_MS,
  };
  let idSeq = 0;
  const newId = () => `01${id.toUpperCase()}${String(++idSeq).padStart(20 - id.length, '0')}`;
  const inFlight = new InFlight();
  const { execution, cancel, approvals } = createCancelCore({
    wdt,
    audit,
    policy,
    clock,
    timers,
    logger,
    settings,
    pause,
    instanceId: id,
    newId,
    inFlight,
  });
  const control = createOperatorControl({ audit, pauseState: pause, clock, newId, wdtHost: 'wdt.sim' });
  // The real delivery worker, on the simulated Slack: what the writes owed must reach it, once.
  const api = deps.slack.posterFor(id);
  const outbox = createOutboxWorker({
    audit,
    api,
    chat: createSlackChatClient(api, ONE_TRY),
    texts: textsFor('en'),
    environment: wdt.environment,
    seals: createSeals({ key: 'sim-signing-secret', clock, approvalTtlMs: APPROVAL_TTL_MS }),
    approvalTtlMs: APPROVAL_TTL_MS,
    auditChannelId: AUDIT_CHANNEL,
    instanceId: id,
    timers,
    clock,
    logger,
    random: () => 0.5,
  });
  const reconciler = createReconcileLoop({
    instanceId: id,
    wdt,
    audit,
    clock,
    timers,
    logger,
    isRunningHere: execution.isRunning,
    steps: { settle: async () => undefined },
    longestCallMs: TIMINGS.longestCallMs,
    staleStepMs: TIMINGS.staleStepMs,
  });
  const unlock = createUnlockOrder({
    wdt,
    audit,
    clock,
    logger,
    lease: reconciler.lease,
    longestCallMs: TIMINGS.longestCallMs,
    isRunningHere: execution.isRunning,
    recordRefusal: async () => undefined,
  });
  // As the bot starts: read WDT's clock, the pause, take the lease, then reconcile and sweep forever.
  const started = (async () => {
    await wdtClock.measure(wdt);
    await pause.refresh();
    pause.start();
    await reconciler.start();
    outbox.start();
    timers.every(EXPIRY_SWEEP_MS, () => void approvals.expireDue().catch(() => undefined));
    timers.every(CLOCK_SYNC_MS, () => void wdtClock.measure(wdt));
  })();
  return {
    id,
    started,
    cancel,
    approvals,
    control,
    unlock,
    setSkew(ms: number) {
      skewMs = ms;
    },
  };
}

export type Replica = ReturnType<typeof startReplica>;
