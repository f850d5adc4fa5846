import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAwaitingApproval } from '../../src/core/approval-service.js';
import { FINAL_STATES } from '../../src/core/attempt.js';
import type { AuditStore } from '../../src/core/ports/audit.js';
import { AuditUnavailableError, ShuttingDownError } from '../../src/errors.js';
import { WDT_METHOD } from '../../src/wdt/methods.js';
import {
  createMemoryAuditDatabase,
  type MemoryAuditDatabase,
  openMemoryAuditStore,
} from '../support/memory-audit-store.js';
import { Oracle } from './oracle.js';
import { type BugLog, CHANNEL, type Replica, startReplica, USERS } from './sim-replica.js';
import { SimSlack } from './sim-slack.js';
import type { StoreFaults } from './sim-store.js';
import { SimWdt } from './sim-wdt.js';
import { Tape, World } from './world.js';

export type Backend = 'memory' | 'sqlite';

export interface ScheduleResult {
  violations: string[];
  /** Virtual time from the end of the faults until every lock was free and every attempt final. */
  settledInMs: number | null;
  steps: number;
  cancelsSent: number;
}

const START = Date.parse('2026-03-02T01:00:00.000Z');
/** Steps during which the tape may inject faults and user actions. */
const FAULT_STEPS = 400;
/** After the faults stop, everything must have settled within this (virtual) time. */
export const SETTLE_BOUND_MS = 15 * 60_000;
const MAX_ACTIONS = 16;

/**
 * Runs one schedule: two or three replicas of the real code on one database, a WDT that keeps each order's
 * status and enforces the 120 s window, and whatever the tape says: requests, approvals, pauses, unlocks,
 * freezes, crashes, database and WDT faults, clock skew. After every step the oracle checks the promises;
 * once the faults stop, everything must settle within the bound, and the chain must verify.
 */
export async function runSchedule(
  values: readonly number[],
  backend: Backend,
  trace?: (line: string, memory: MemoryAuditDatabase | null) => void,
): Promise<ScheduleResult> {
  const tape = new Tape(values);
  const world = new World(tape, START);
  // On a RAM disk where there is one: the schedule is about interleavings, not fsync.
  const dir =
    backend === 'sqlite' ? mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'sim-')) : null;
  const memory = dir ? null : createMemoryAuditDatabase(() => new Date(world.now));
  // Synchronous: a replay that prints what happened must not change the order things happen in.
  if (trace)
    world.trace = (line) => trace(`${((world.now - START) / 1000).toFixed(3).padStart(9)} ${line}`, memory);
  const database: AuditStore = memory
    ? openMemoryAuditStore(memory)
    : (await import('../../src/audit/sqlite/store.js')).openSqliteAuditStore({
        path: join(dir!, 'audit.db'),
        now: () => new Date(world.now),
      });
  try {
    return await simulate(world, database);
  } finally {
    await database.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

async function simulate(world: World, database: AuditStore): Promise<ScheduleResult> {
  const { tape } = world;
  const oracle = new Oracle(world, database);
  const wdt = new SimWdt(world, oracle, 3);
  const slack = new SimSlack(world);
  const approvalMode = tape.choose(['self', 'peer'] as const);
  const bugs: BugLog = { lines: [] };
  const faults = new Map<string, StoreFaults>();
  const replicas: Replica[] = [];
  let restarts = 0;
  const start = (id: string) => {
    const storeFaults: StoreFaults = { rate: 0 };
    faults.set(id, storeFaults);
    const replica = startReplica({
      world,
      id,
      database,
      wdt,
      slack,
      oracle,
      approvalMode,
      storeFaults,
      bugs,
    });
    replicas.push(replica);
    return replica;
  };
  const count = tape.choose([2, 3]);
  for (const id of ['a', 'b', 'c'].slice(0, count)) start(id);
  const live = () => replicas.filter((r) => !world.isCrashed(r.id));
  const unexpected: string[] = [];
  const flow = (work: () => Promise<unknown>) => {
    work().catch((error: unknown) => {
      // What the Slack edge turns into a message to the person: the database could not be reached.
      if (error instanceof AuditUnavailableError || error instanceof ShuttingDownError) return;
      if (error instanceof Error && error.message.startsWith('database connection lost')) return;
      unexpected.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    });
  };

  const inject = async () => {
    const replica = tape.choose(live());
    const orderNo = tape.choose(wdt.orderNumbers);
    const action = tape.choose([
      'request',
      'request',
      'request',
      'batch',
      'decide',
      'decide',
      'pause',
      'resume',
      'unlock',
      'freeze',
      'freeze',
      'crash',
      'store_faults',
      'wdt_fault',
      'wdt_fault',
      'wdt_fault',
      'resubmit',
      'slack_outage',
      'skew',
    ] as const);
    world.trace?.(`ACTION ${action} on ${replica.id} (${orderNo})`);
    switch (action) {
      case 'request':
      case 'batch': {
        const userId = tape.choose([USERS.alice, USERS.bob]);
        const orderNos =
          action === 'batch' ? wdt.orderNumbers.filter((o) => o !== orderNo).slice(0, 2) : [orderNo];
        flow(async () => {
          const requested = await replica.cancel.request({
            teamId: 'T0SIM',
            channelId: CHANNEL,
            userId,
            orderNos,
          });
          if (requested.kind !== 'ready') return;
          await replica.cancel.preview(requested.attempts);
          const attemptIds = requested.attempts.map((a) => a.attemptId);
          await replica.cancel.confirm({ attemptIds, userId, reason: 'simulated' });
        });
        return;
      }
      case 'decide': {
        const waiting = (await database.recentAttempts({ states: ['confirmed'], limit: 100 })).filter(
          isAwaitingApproval,
        );
        const batch = waiting[0]?.batchId;
        if (!batch) return;
        const attemptIds = waiting.filter((r) => r.batchId === batch).map((r) => r.attemptId);
        const actorId = USERS.approver;
        flow(() =>
          tape.chance(75)
            ? replica.approvals.approve({ attemptIds, actorId })
            : replica.approvals.reject({ attemptIds, actorId, reason: 'not this one' }),
        );
        return;
      }
      case 'pause':
      case 'resume': {
        const input = { adminId: USERS.admin, teamId: 'T0SIM', channelId: CHANNEL };
        flow(() =>
          action === 'pause'
            ? replica.control.pause({ ...input, reason: 'stocktake' })
            : replica.control.resume(input),
        );
        return;
      }
      case 'unlock': {
        const reason = tape.chance(50) ? 'checked in WDT by hand' : null;
        flow(() =>
          replica.unlock({ orderNo, adminId: USERS.admin, teamId: 'T0SIM', channelId: CHANNEL, reason }),
        );
        return;
      }
      case 'freeze': {
        // Mostly a process in the middle of a call: that is where a freeze can hurt.
        const calling = (await database.heldCalls()).map((call) => call.record.instanceId);
        const busy = live().filter((r) => calling.includes(r.id));
        const target = busy.length > 0 && tape.chance(70) ? tape.choose(busy) : replica;
        world.freeze(target.id, tape.choose([500, 3_000, 6_000, 30_000, 130_000, 300_000]));
        return;
      }
      case 'crash':
        if (live().length < 2 || restarts >= 2) return;
        world.crash(replica.id);
        restarts += 1;
        start(`r${restarts}`);
        return;
      case 'store_faults': {
        const storeFaults = faults.get(replica.id)!;
        storeFaults.rate = tape.choose([5, 20, 60]);
        world.schedule(null, tape.choose([2_000, 10_000, 60_000]), 'faults:end', () => {
          storeFaults.rate = 0;
        });
        return;
      }
      case 'wdt_fault':
        wdt.upcoming.push({
          fate: tape.choose([
            'slow',
            'slow',
            'lost_reply',
            'lost_request',
            'http502',
            'rate_limited',
          ] as const),
          method: tape.chance(75) ? WDT_METHOD.cancelStockin : WDT_METHOD.queryStockin,
        });
        return;
      case 'resubmit': {
        // The same dialog confirmed again (a double click, a retry after a timeout), maybe on another replica.
        const requested = (await database.recentAttempts({ limit: 50 })).find(
          (a) => a.reason === 'simulated',
        );
        if (!requested) return;
        const attemptIds = (await database.recentAttempts({ limit: 10_000 }))
          .filter((a) => a.batchId === requested.batchId && a.requesterId === requested.requesterId)
          .map((a) => a.attemptId);
        const userId = requested.requesterId;
        flow(() => replica.cancel.confirm({ attemptIds, userId, reason: 'simulated' }));
        return;
      }
      case 'slack_outage': {
        slack.outage = tape.choose(['unavailable', 'rate_limited', 'lost_reply'] as const);
        world.schedule(null, tape.choose([5_000, 60_000, 180_000]), 'slack:healed', () => {
          slack.outage = null;
        });
        return;
      }
      case 'skew':
        replica.setSkew(tape.choose([0, 30_000, -30_000, 100_000, -100_000, 200_000]));
        return;
    }
  };

  let steps = 0;
  let actions = 0;
  for (; steps < FAULT_STEPS && !tape.exhausted; steps += 1) {
    if (actions < MAX_ACTIONS && tape.chance(10)) {
      actions += 1;
      await inject();
    }
    await world.step();
    await oracle.check(wdt.orders);
  }

  // The faults stop: everyone thaws, the database and WDT behave. Everything must now settle.
  world.thaw();
  for (const storeFaults of faults.values()) storeFaults.rate = 0;
  wdt.upcoming.length = 0;
  slack.outage = null;
  const quietFrom = world.now;
  let settledInMs: number | null = null;
  while (world.now - quietFrom <= SETTLE_BOUND_MS) {
    await world.step();
    steps += 1;
    await oracle.check(wdt.orders);
    if (steps % 25 === 0 && (await settled(database))) {
      settledInMs = world.now - quietFrom;
      break;
    }
  }
  const violations = [
    ...oracle.violations,
    ...bugs.lines,
    ...unexpected.map((e) => `a flow failed unexpectedly: ${e}`),
  ];
  if (settledInMs === null)
    violations.push(
      `not settled ${SETTLE_BOUND_MS / 60_000} minutes after the faults stopped: ${await describeUnsettled(database)}`,
    );
  violations.push(...(await deliveredOnce(database, slack)));
  const verdict = await database.verifyChain();
  if (!verdict.ok)
    violations.push(`the chain does not verify: ${verdict.problem} at #${verdict.firstBadSeq}`);
  const cancelsSent = oracle.signedRequests.length;
  return { violations, settledInMs, steps, cancelsSent };
}

/**
 * Every lock free, every attempt that was confirmed final (an unanswered dialog may stay requested), and every
 * message owed delivered.
 */
async function settled(database: AuditStore): Promise<boolean> {
  if ((await database.heldLocks()).length > 0) return false;
  if ((await database.outboxSummary()).pending > 0) return false;
  const open = await database.recentAttempts({
    states: ['confirmed', 'approved', 'calling', 'awaiting_verdict'],
    limit: 1,
  });
  return open.length === 0;
}

async function describeUnsettled(database: AuditStore): Promise<string> {
  const locks = (await database.heldLocks()).map(
    (lock) => `${lock.orderNo} held by ${lock.attemptId} (${lock.record?.state})`,
  );
  const open = (await database.recentAttempts({ limit: 10_000 }))
    .filter((a) => !FINAL_STATES.includes(a.state) && a.state !== 'requested')
    .map((a) => `${a.attemptId} ${a.state}`);
  return [...locks, ...open].join('; ') || 'nothing (settled late)';
}

/**
 * Every message owed is delivered once: none waits or was given up, each post's key is in Slack at most once,
 * and a slot edited in place was posted at most once.
 */
async function deliveredOnce(database: AuditStore, slack: SimSlack): Promise<string[]> {
  const problems: string[] = [];
  const left = await database.outboxRows({ states: ['pending', 'given_up'], limit: 1_000 });
  for (const row of left)
    problems.push(`message ${row.item.key} still ${row.state} (${row.lastError ?? ''})`);
  const delivered = await database.outboxRows({ states: ['delivered'], limit: 100_000 });
  for (const row of delivered) {
    if (row.item.mode === 'call') continue;
    const posts = slack.postsOf(row.item.key).length;
    if (posts > 1) problems.push(`message ${row.item.key} was posted ${posts} times`);
  }
  const editSlots = new Set(delivered.filter((row) => row.item.mode === 'edit').map((row) => row.item.slot));
  for (const slot of editSlots) {
    const posts = slack.messages.filter((m) => m.slot === slot).length;
    if (posts > 1) problems.push(`the message of ${slot} was posted ${posts} times`);
  }
  return problems;
}
