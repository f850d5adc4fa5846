import { createCancelCore } from '../../src/core/cancel-core.js';
import type { CancelSettings } from '../../src/core/cancel-service.js';
import { InFlight } from '../../src/core/in-flight.js';
import type { PauseGate, PauseView } from '../../src/core/pause-state.js';
import { type Allowlist, createCancelPolicy } from '../../src/core/policy.js';
import type { AuditStore } from '../../src/core/ports/audit.js';
import type { Clock } from '../../src/core/ports/clock.js';
import { systemTimers } from '../../src/core/ports/timers.js';
import type { StockinOrder } from '../../src/core/ports/wdt.js';
import { createLogger } from '../../src/logger.js';
import {
  createMemoryAuditDatabase,
  type MemoryAuditDatabase,
  openMemoryAuditStore,
} from './memory-audit-store.js';
import { memoryLog } from './memory-log.js';
import { type ScriptedWdt, scriptedWdt } from './scripted-wdt.js';

export const START = new Date('2024-05-01T04:00:00.000Z');

/** A clock that moves only when the test moves it. */
export function manualClock(start: Date = START): Clock & { advance(ms: number): void } {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
  };
}

/**
 * While armed for `parties`, holds every `findAttempt` answer until that many reads are waiting, then lets
 * them all go: two confirmations of one dialog both read the attempt as `requested` before either writes,
 * the window a double submit races in.
 */
export function readBarrier() {
  let parties = 0;
  let waiting: Array<() => void> = [];
  const releaseAll = () => {
    for (const release of waiting) release();
    waiting = [];
  };
  return {
    arm(count: number) {
      parties = count;
    },
    disarm() {
      parties = 0;
      releaseAll();
    },
    wrap(store: AuditStore): AuditStore {
      return {
        ...store,
        async findAttempt(attemptId) {
          const found = await store.findAttempt(attemptId);
          if (parties > 1) {
            await new Promise<void>((resolve) => {
              waiting.push(resolve);
              if (waiting.length >= parties) releaseAll();
            });
          }
          return found;
        },
      };
    },
  };
}

export interface CoreOptions {
  orders?: StockinOrder[];
  settings?: Partial<CancelSettings>;
  allow?: Allowlist;
  approvers?: Allowlist;
  /** Wraps the store the services use (the test keeps the plain one for its assertions). */
  wrapStore?: (store: AuditStore) => AuditStore;
  /**
   * Another process of the same deployment: it shares this harness's clock, database and WDT, and has its
   * own instance id and lease.
   */
  sharing?: { clock: ReturnType<typeof manualClock>; database: MemoryAuditDatabase; wdt: ScriptedWdt };
  instanceId?: string;
  /** How long this process's lease lasts from the start (default: a year of the test's clock). */
  leaseTtlMs?: number;
}

export const REQUESTER = 'U0ALICE';
export const APPROVER = 'U0BOB';
export const OUTSIDER = 'U0MALLORY';
export const CHANNEL = 'C0STOCKOPS';

/** The instance id of the harness's process; its lease is live for a year of the test's clock. */
export const INSTANCE = '01TESTINSTANCE000000000000';
const LEASE_TTL_MS = 365 * 86_400_000;

/**
 * The cancel and approval services over in-memory fakes of every port, with a clock the test moves (which
 * is also the store's clock). The process's lease is taken at once, as the bot takes it at start.
 */
export function coreHarness(options: CoreOptions = {}) {
  const clock = options.sharing?.clock ?? manualClock();
  const wdt: ScriptedWdt =
    options.sharing?.wdt ?? scriptedWdt({ orders: options.orders ?? [], now: clock.now });
  const database = options.sharing?.database ?? createMemoryAuditDatabase(clock.now);
  const store = openMemoryAuditStore(database);
  const instanceId = options.instanceId ?? INSTANCE;
  const startedAt = clock.now().toISOString();
  database.leases.set(instanceId, {
    instanceId,
    startedAt,
    renewedAt: startedAt,
    expiresAt: new Date(clock.now().getTime() + (options.leaseTtlMs ?? LEASE_TTL_MS)).toISOString(),
  });
  const audit = options.wrapStore ? options.wrapStore(store) : store;
  const log = memoryLog();
  const logger = createLogger({ level: 'info', destination: log.destination });
  const inFlight = new InFlight();
  // Processes sharing a database number their ids apart, as ULIDs from two hosts never meet.
  const idBase = options.sharing ? 1_000_000 * (options.sharing.database.leases.size + 1) : 0;
  let id = 0;
  const newId = () => {
    id += 1;
    return `01TESTID${String(idBase + id).padStart(18, '0')}`;
  };
  const policy = createCancelPolicy({
    allow: options.allow ?? { users: [REQUESTER, APPROVER], usergroups: [] },
    approvers: options.approvers ?? { users: [APPROVER], usergroups: [] },
    channels: [],
    directory: { usergroupMembers: async () => [] },
  });
  const settings: CancelSettings = {
    lookupDays: 30,
    allowUnverified: false,
    approvalMode: 'self',
    approvalTtlMs: 30 * 60_000,
    concurrency: 2,
    callBudget: { checkMs: 60_000, sendMs: 60_000 },
    ...options.settings,
  };
  // The operators' pause as the services see it; a test sets it (e.g. from a WDT call) to what it needs.
  const pause: PauseGate & { view: PauseView } = {
    view: { kind: 'running' },
    current() {
      return this.view;
    },
  };
  const {
    execution,
    cancel,
    approvals: approval,
  } = createCancelCore({
    wdt,
    audit,
    policy,
    clock,
    timers: systemTimers,
    logger,
    settings,
    pause,
    instanceId,
    newId,
    inFlight,
  });

  /** `/cancel-stockin` by `userId` and the dialog's preview: the attempts a dialog would carry. */
  async function requestAndPreview(orderNos: string[], userId = REQUESTER): Promise<string[]> {
    const requested = await cancel.request({ teamId: 'T0TEAM', channelId: CHANNEL, userId, orderNos });
    if (requested.kind !== 'ready') throw new Error(`request was ${requested.kind}`);
    await cancel.preview(requested.attempts);
    return requested.attempts.map((a) => a.attemptId);
  }

  /** The messages owed so far (what the outbox will deliver), oldest first. */
  const owed = () => database.outbox.map((row) => row.item);

  /** The events recorded about one attempt, oldest first. */
  async function eventsOf(attemptId: string): Promise<string[]> {
    const events: string[] = [];
    for await (const entry of store.entries()) {
      if (entry.record.attemptId === attemptId) events.push(entry.event);
    }
    return events;
  }

  return {
    instanceId,
    clock,
    wdt,
    store,
    database,
    log,
    cancel,
    approval,
    execution,
    settings,
    pause,
    requestAndPreview,
    eventsOf,
    owed,
  };
}
