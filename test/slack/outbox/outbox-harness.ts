import { expect } from 'vitest';
import { owedFor, owedForAll, owedForControl } from '../../../src/core/owed-messages.js';
import type {
  AttemptRecord,
  AttemptState,
  AuditStore,
  ControlRecord,
  Transition,
} from '../../../src/core/ports/audit.js';
import type { OutboxState } from '../../../src/core/ports/outbox.js';
import { createLogger } from '../../../src/logger.js';
import { createSlackChatClient } from '../../../src/slack/chat-client.js';
import type { GiveUpReason } from '../../../src/slack/outbox/slack-failure.js';
import {
  createOutboxWorker,
  type OutboxSettings,
  type OutboxWorker,
} from '../../../src/slack/outbox/worker.js';
import { createSeals } from '../../../src/slack/private-metadata.js';
import { en } from '../../../src/slack/texts/en.js';
import type { Texts } from '../../../src/slack/texts/index.js';
import { buildRecord, moved } from '../../support/audit-fixtures.js';
import { type InProcessSlack, inProcessSlack } from '../../support/in-process-slack.js';
import {
  createMemoryAuditDatabase,
  type MemoryAuditDatabase,
  openMemoryAuditStore,
} from '../../support/memory-audit-store.js';
import { memoryLog } from '../../support/memory-log.js';
import { type VirtualTime, virtualTime } from '../../support/virtual-time.js';

export const AUDIT_CHANNEL = 'C0AUDIT';
export const CHANNEL = 'C0OPS';
const TOKEN = 'xoxb-never-logged';

export interface WorkerOptions {
  auditChannelId?: string | undefined;
  texts?: Texts;
  settings?: Partial<OutboxSettings>;
  /** Wraps the store the worker sees (a slow or lost confirmation). */
  audit?: (store: AuditStore) => AuditStore;
  instanceId?: string;
  /** The Slack it delivers to (default: the harness's). */
  slack?: InProcessSlack;
}

/**
 * An outbox worker on virtual time, over the memory store and an in-process Slack: a test owes messages as
 * the core does (a write with `owedFor`), moves time, and reads what Slack got.
 */
export function outboxHarness() {
  const time: VirtualTime = virtualTime();
  const db: MemoryAuditDatabase = createMemoryAuditDatabase(() => time.clock.now());
  const store = openMemoryAuditStore(db);
  const slack = inProcessSlack({ timers: time.timers, wall: time.wall });
  const log = memoryLog();
  const logger = createLogger({ level: 'debug', destination: log.destination, secrets: [TOKEN] });
  const counted = { delivered: [] as string[], gaveUp: [] as GiveUpReason[] };
  const workers: OutboxWorker[] = [];

  function worker(options: WorkerOptions = {}): OutboxWorker {
    const api = (options.slack ?? slack).poster;
    const created = createOutboxWorker({
      audit: options.audit ? options.audit(openMemoryAuditStore(db)) : openMemoryAuditStore(db),
      api,
      chat: createSlackChatClient(api, { retries: 0, minDelayMs: 0, maxDelayMs: 0, timeoutMs: 10_000 }),
      texts: options.texts ?? en,
      environment: { host: 'wdt.wangdian.cn', kind: 'production' },
      seals: createSeals({ key: 'seal-key-for-tests', clock: time.clock, approvalTtlMs: 30 * 60_000 }),
      approvalTtlMs: 30 * 60_000,
      auditChannelId: 'auditChannelId' in options ? options.auditChannelId : AUDIT_CHANNEL,
      instanceId: options.instanceId ?? 'I0WORKER',
      timers: time.timers,
      clock: time.clock,
      logger,
      metrics: {
        delivered: (kind, how) => counted.delivered.push(`${kind}:${how}`),
        gaveUp: (reason) => counted.gaveUp.push(reason),
      },
      random: () => 1,
      ...(options.settings ? { settings: options.settings } : {}),
    });
    workers.push(created);
    return created;
  }

  /** Writes `record` (from `from`) with the messages the core owes for it. */
  async function owe(
    record: AttemptRecord,
    from: AttemptState | null,
    outcome = true,
  ): Promise<AttemptRecord> {
    const written = await store.write([{ from, record }], time.clock.now(), owedFor(record, { outcome }));
    expect(written.ok, `write ${from} → ${record.state}`).toBe(true);
    return record;
  }

  /** Writes a new attempt through `states`, each change owing its messages. */
  async function oweThrough(first: AttemptRecord, states: readonly AttemptState[], outcome = true) {
    let current = await owe(first, null, outcome);
    for (const state of states) current = await owe(moved(current, state), current.state, outcome);
    return current;
  }

  /**
   * An attempt left waiting for WDT's verdict in `channelId`: only that last change owes a message (its outcome
   * so far, keyed by `outcomeKey`), and no audit copy (it is not final).
   */
  async function oweAwaitingVerdict(channelId = CHANNEL): Promise<AttemptRecord> {
    const calling = await oweThrough(buildRecord({ channelId }), ['confirmed', 'calling'], false);
    return owe(moved(calling, 'awaiting_verdict'), 'calling');
  }

  /** Several changes in one write (a batch's orders), owing each message once. */
  async function oweAll(transitions: Transition[], outcome = false): Promise<AttemptRecord[]> {
    const records = transitions.map((transition) => transition.record);
    const written = await store.write(transitions, time.clock.now(), owedForAll(records, { outcome }));
    expect(written.ok).toBe(true);
    return records;
  }

  async function oweControl(record: ControlRecord): Promise<void> {
    const at = time.clock.now();
    const changed = await store.recordControl(record, at, [owedForControl(record, at)]);
    expect(changed.changed).toBe(true);
  }

  const rows = (states: OutboxState[] = ['pending', 'delivered', 'given_up', 'superseded']) =>
    store.outboxRows({ states, limit: 1_000 });

  return {
    time,
    db,
    store,
    slack,
    log,
    counted,
    worker,
    owe,
    oweThrough,
    oweAwaitingVerdict,
    oweAll,
    oweControl,
    rows,
    token: TOKEN,
    /** Stops every worker (a hung Slack call is let go, time moves on while they drain). */
    async stopAll() {
      slack.releaseHung();
      const stopped = Promise.all(workers.map((created) => created.stop()));
      await time.advance(15_000);
      await stopped;
    },
  };
}

export type OutboxHarness = ReturnType<typeof outboxHarness>;

/** The key of the outcome message `record`'s state owes. */
export const outcomeKey = (record: Pick<AttemptRecord, 'attemptId' | 'state'>) =>
  `outcome:${record.attemptId}:${record.state}`;

/** The orders of one batch in `channelId`, as `requested` records that share its id and size. */
export function batchOf(size: number, overrides: Partial<AttemptRecord> = {}): AttemptRecord[] {
  const first = buildRecord({ channelId: CHANNEL, batchSize: size, ...overrides });
  return [
    first,
    ...Array.from({ length: size - 1 }, () =>
      buildRecord({ channelId: CHANNEL, batchSize: size, batchId: first.batchId, ...overrides }),
    ),
  ];
}
