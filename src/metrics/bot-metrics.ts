import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { FINAL_STATES } from '../core/attempt.js';
import type { PauseGate } from '../core/pause-state.js';
import type { AuditEntry } from '../core/ports/audit.js';
import type { WdtOutcomeKind } from '../core/ports/wdt.js';
import { COMMAND_RESULTS, type CommandResult } from '../slack/command-result.js';
import { GIVE_UP_REASONS } from '../slack/outbox/slack-failure.js';
import { DELIVERED_HOW, type OutboxMetrics, OWED_KINDS } from '../slack/outbox/worker.js';
import { WDT_METHOD } from '../wdt/methods.js';
import {
  EMPTY_SNAPSHOT,
  type StoreGaugeOptions,
  type StoreProbe,
  type StoreSnapshot,
  storeGauges,
} from './store-gauges.js';

const PREFIX = 'cancel_stockin_';
const WDT_RESULTS: readonly WdtOutcomeKind[] = [
  'ok',
  'refused',
  'rate_limited',
  'not_sent',
  'unknown',
  'protocol_error',
];
/** Every way an attempt ends; a refusal for WDT's rate limit is told apart from the vendor's other refusals. */
export const CANCEL_OUTCOMES = [...FINAL_STATES, 'rate_limited'] as const;
export type WdtMethod = (typeof WDT_METHOD)[keyof typeof WDT_METHOD];

export interface BotMetrics {
  /** One per registry: several bots in one process each keep their own. */
  readonly registry: Registry;
  countCommand(result: CommandResult): void;
  /** Hears every entry this process made durable: final ones count an outcome, `calling` ones a call begun. */
  noteCommitted(entry: AuditEntry): void;
  observeWdtCall(method: WdtMethod, result: WdtOutcomeKind, seconds: number): void;
  countSlackApiError(method: string, error: string): void;
  observeAuditWrite(seconds: number): void;
  /** Counts what the outbox worker delivered and gave up. */
  readonly outbox: OutboxMetrics;
  /** Where the store-backed gauges read from, once the store exists. */
  watchStore(probe: StoreProbe): void;
  /** Where `cancel_stockin_paused` reads the operators' pause (the cached state: a scrape costs no query). */
  watchPause(gate: PauseGate): void;
}

/**
 * The bot's Prometheus metrics on a registry of its own, with the default process metrics. Every labelled
 * child the hot paths touch is bound once here, so counting a command costs one increment and no allocation.
 */
export function createBotMetrics(options: { storeGauges: StoreGaugeOptions }): BotMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const commands = new Counter({
    name: `${PREFIX}commands_total`,
    help: 'Slash commands by what became of them: admitted (dialog opened), shed, denied, bad_input, help, operator, failed',
    labelNames: ['result'],
    registers,
  });
  const commandChildren = bindEach(COMMAND_RESULTS, (result) => zeroed(commands.labels(result)));

  const cancels = new Counter({
    name: `${PREFIX}cancels_total`,
    help: 'Attempts by the final outcome this process recorded',
    labelNames: ['outcome'],
    registers,
  });
  const cancelChildren = bindEach(CANCEL_OUTCOMES, (outcome) => zeroed(cancels.labels(outcome)));
  const finalStates = new Set<string>(FINAL_STATES);
  const verdictsAwaited = zeroed(
    new Counter({
      name: `${PREFIX}verdicts_awaited_total`,
      help: 'Calls whose outcome was not known (no answer, or taken over from a process that stopped answering): their order stays locked until WDT can no longer accept them',
      registers,
    }),
  );
  const corrections = zeroed(
    new Counter({
      name: `${PREFIX}corrections_total`,
      help: 'Final records overturned by a WDT answer that arrived later (a cancel recorded as not done that WDT did): investigate every one',
      registers,
    }),
  );

  const wdtCalls = new Counter({
    name: `${PREFIX}wdt_calls_total`,
    help: 'WangDianTong API calls by method and outcome kind',
    labelNames: ['method', 'result'],
    registers,
  });
  const wdtSeconds = new Histogram({
    name: `${PREFIX}wdt_call_seconds`,
    help: 'WangDianTong API call duration, whatever the outcome',
    labelNames: ['method'],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const wdtChildren = new Map(
    Object.values(WDT_METHOD).map((method) => {
      wdtSeconds.zero({ method });
      return [
        method,
        {
          seconds: wdtSeconds.labels(method),
          results: bindEach(WDT_RESULTS, (result) => zeroed(wdtCalls.labels(method, result))),
        },
      ] as const;
    }),
  );

  const slackErrors = new Counter({
    name: `${PREFIX}slack_api_errors_total`,
    help: 'Slack Web API calls that failed, by method and Slack error code (every try counts)',
    labelNames: ['method', 'error'],
    registers,
  });

  const auditWrites = new Histogram({
    name: `${PREFIX}audit_append_seconds`,
    help: 'Durable audit writes (chain entries and send fences) that succeeded',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });

  const calling = new Set<string>();
  new Gauge({
    name: `${PREFIX}calls_in_flight`,
    help: 'Attempts this process has in `calling`: order locked, WDT being asked, outcome not recorded yet',
    registers,
    collect() {
      this.set(calling.size);
    },
  });

  let readStore: (() => Promise<StoreSnapshot>) | null = null;
  const snapshot = (): Promise<StoreSnapshot> => (readStore ? readStore() : Promise.resolve(EMPTY_SNAPSHOT));
  // prom-client collects every metric at once: these share one (cached, bounded) store reading.
  const storeGauge = (name: string, help: string, pick: (reading: StoreSnapshot) => number) =>
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      registers,
      async collect() {
        this.set(pick(await snapshot()));
      },
    });
  storeGauge(
    'audit_store_up',
    '1 while the audit store answers a ping within the scrape wait, else 0',
    (r) => r.storeUp,
  );
  storeGauge(
    'stuck_calls',
    'Attempts in `calling` for longer than the longest a WDT call can take (every replica)',
    (r) => r.stuckCalls,
  );
  storeGauge(
    'pending_approvals',
    'Approval requests waiting for a second person (every replica)',
    (r) => r.pendingApprovals,
  );
  storeGauge(
    'outbox_pending',
    'Messages owed to Slack and not delivered yet (every replica): outcomes, batch messages, notices, step completions',
    (r) => r.outboxPending,
  );
  storeGauge(
    'outbox_oldest_pending_seconds',
    'How long the oldest undelivered message has been owed, by the database clock; 0 when none waits',
    (r) => r.outboxOldestPendingSeconds,
  );
  storeGauge(
    'outbox_given_up',
    'Messages given up for good (every replica, all time): `npm run audit -- outbox --given-up` lists them',
    (r) => r.outboxGivenUp,
  );

  const deliveries = new Counter({
    name: `${PREFIX}outbox_deliveries_total`,
    help: 'Owed messages this process delivered, by kind and how: posted, edited (a message rewritten in place), found (an earlier post found in the channel history: not posted again), called (a step completion), nothing (nothing due in Slack)',
    labelNames: ['kind', 'how'],
    registers,
  });
  const deliveryChildren = bindEach(OWED_KINDS, (kind) =>
    bindEach(DELIVERED_HOW, (how) => zeroed(deliveries.labels(kind, how))),
  );
  const givenUp = new Counter({
    name: `${PREFIX}outbox_given_up_total`,
    help: 'Owed messages this process gave up, by Slack error (a channel the bot cannot post to, a token auth.test refuses, a message Slack refuses as built)',
    labelNames: ['reason'],
    registers,
  });
  const givenUpChildren = bindEach(GIVE_UP_REASONS, (reason) => zeroed(givenUp.labels(reason)));

  let pause: PauseGate | null = null;
  new Gauge({
    name: `${PREFIX}paused`,
    help: '1 while an operator has paused cancels (or while the pause state cannot be read, which refuses them too), else 0',
    registers,
    collect() {
      const kind = pause?.current().kind ?? 'running';
      this.set(kind === 'running' ? 0 : 1);
    },
  });

  return {
    registry,
    countCommand: (result) => commandChildren[result].inc(),
    noteCommitted(entry) {
      if (entry.event === 'calling') {
        calling.add(entry.record.attemptId);
        return;
      }
      if (entry.event === 'awaiting_verdict') {
        calling.delete(entry.record.attemptId);
        verdictsAwaited.inc();
        return;
      }
      if (entry.event === 'corrected') {
        corrections.inc();
        return;
      }
      if (!finalStates.has(entry.event)) return;
      calling.delete(entry.record.attemptId);
      const outcome =
        entry.event === 'refused' && entry.record.wdtOutcome === 'rate_limited'
          ? 'rate_limited'
          : entry.event;
      cancelChildren[outcome as (typeof CANCEL_OUTCOMES)[number]].inc();
    },
    observeWdtCall(method, result, seconds) {
      const children = wdtChildren.get(method);
      if (!children) return;
      children.seconds.observe(seconds);
      children.results[result].inc();
    },
    countSlackApiError: (method, error) => slackErrors.labels(method, error).inc(),
    observeAuditWrite: (seconds) => auditWrites.observe(seconds),
    outbox: {
      delivered: (kind, how) => deliveryChildren[kind][how].inc(),
      gaveUp: (reason) => givenUpChildren[reason].inc(),
    },
    watchStore(probe) {
      readStore = storeGauges(probe, options.storeGauges);
    },
    watchPause(gate) {
      pause = gate;
    },
  };
}

/** A counter child exported at 0 before anything happened: a rate() over it starts from the first scrape. */
function zeroed<C extends { inc(value: number): void }>(child: C): C {
  child.inc(0);
  return child;
}

/** A child per label value, bound once. */
function bindEach<K extends string, V>(keys: readonly K[], bind: (key: K) => V): Record<K, V> {
  return Object.fromEntries(keys.map((key) => [key, bind(key)])) as Record<K, V>;
}
