import { createApprovalService } from '../../src/core/approval-service.js';
import { createCancelExecution } from '../../src/core/cancel-execution.js';
import { type CancelSettings, createCancelService } from '../../src/core/cancel-service.js';
import { InFlight } from '../../src/core/in-flight.js';
import type { PauseGate, PauseView } from '../../src/core/pause-state.js';
import { type Allowlist, createCancelPolicy } from '../../src/core/policy.js';
import type { AttemptRecord, AuditStore, ChainHead } from '../../src/core/ports/audit.js';
import type { Clock } from '../../src/core/ports/clock.js';
import type { BatchStage, Delivery, OutcomeNotifier } from '../../src/core/ports/notifier.js';
import type { StockinOrder } from '../../src/core/ports/wdt.js';
import { createLogger } from '../../src/logger.js';
import { openMemoryAuditStore } from './memory-audit-store.js';
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

export type NotifierCall =
  | { kind: 'outcome'; record: AttemptRecord; chainHead: ChainHead | null }
  | { kind: 'publishBatch'; records: AttemptRecord[]; stage: BatchStage }
  | { kind: 'updateBatch'; where: Delivery; records: AttemptRecord[]; stage: BatchStage };

/** A notifier that posts nowhere: every message reaches the channel, and each call is kept. */
export function recordingNotifier(): OutcomeNotifier & { calls: NotifierCall[] } {
  const calls: NotifierCall[] = [];
  let ts = 0;
  const delivered = (channelId: string): Delivery => {
    ts += 1;
    return { via: 'channel', channelId, ts: `1714536000.${String(ts).padStart(6, '0')}`, channelError: null };
  };
  return {
    calls,
    async publishOutcome(record, chainHead) {
      calls.push({ kind: 'outcome', record, chainHead });
      return delivered(record.channelId);
    },
    async publishBatch(records, stage) {
      calls.push({ kind: 'publishBatch', records: [...records], stage });
      return delivered(records[0]!.channelId);
    },
    async updateBatch(where, records, stage) {
      calls.push({ kind: 'updateBatch', where, records: [...records], stage });
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
}

export const REQUESTER = 'U0ALICE';
export const APPROVER = 'U0BOB';
export const OUTSIDER = 'U0MALLORY';
export const CHANNEL = 'C0STOCKOPS';

/** The cancel and approval services over in-memory fakes of every port, with a clock the test moves. */
export function coreHarness(options: CoreOptions = {}) {
  const clock = manualClock();
  const wdt: ScriptedWdt = scriptedWdt({ orders: options.orders ?? [], now: clock.now });
  const store = openMemoryAuditStore();
  const audit = options.wrapStore ? options.wrapStore(store) : store;
  const notifier = recordingNotifier();
  const log = memoryLog();
  const logger = createLogger({ level: 'info', destination: log.destination });
  const inFlight = new InFlight();
  let id = 0;
  const newId = () => {
    id += 1;
    return `01TESTID${String(id).padStart(18, '0')}`;
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
    ...options.settings,
  };
  // The operators' pause as the services see it; a test sets it (e.g. from a WDT call) to what it needs.
  const pause: PauseGate & { view: PauseView } = {
    view: { kind: 'running' },
    current() {
      return this.view;
    },
  };
  const execution = createCancelExecution({ wdt, audit, notifier, clock, logger, settings, pause });
  const cancel = createCancelService({
    wdt,
    audit,
    policy,
    notifier,
    execution,
    clock,
    newId,
    inFlight,
    pause,
    logger,
    settings,
  });
  const approval = createApprovalService({
    execution,
    audit,
    policy,
    notifier,
    clock,
    newId,
    inFlight,
    pause,
    logger,
    approvalTtlMs: settings.approvalTtlMs,
  });

  /** `/cancel-stockin` by `userId` and the dialog's preview: the attempts a dialog would carry. */
  async function requestAndPreview(orderNos: string[], userId = REQUESTER): Promise<string[]> {
    const requested = await cancel.request({ teamId: 'T0TEAM', channelId: CHANNEL, userId, orderNos });
    if (requested.kind !== 'ready') throw new Error(`request was ${requested.kind}`);
    await cancel.preview(requested.attempts);
    return requested.attempts.map((a) => a.attemptId);
  }

  /** The events recorded about one attempt, oldest first. */
  async function eventsOf(attemptId: string): Promise<string[]> {
    const events: string[] = [];
    for await (const entry of store.entries()) {
      if (entry.record.attemptId === attemptId) events.push(entry.event);
    }
    return events;
  }

  return { clock, wdt, store, notifier, log, cancel, approval, settings, pause, requestAndPreview, eventsOf };
}
