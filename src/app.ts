import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { openAuditStoreWhenReady } from './audit/open-store-when-ready.js';
import type { SharedClock } from './audit/sqlite/shared-clock.js';
import { callTimings } from './call-timing.js';
import type { Config } from './config/config.js';
import { transportWarnings } from './config/transport.js';
import { createCancelCore } from './core/cancel-core.js';
import { withDeadline } from './core/deadline.js';
import { InFlight } from './core/in-flight.js';
import { createCancelPolicy } from './core/policy.js';
import { type Clock, systemClock } from './core/ports/clock.js';
import { systemTimers } from './core/ports/timers.js';
import { makeRefusedRequestRecorder } from './core/refused-request.js';
import { idFactory } from './ids.js';
import { createBotMetrics } from './metrics/bot-metrics.js';
import { instrumentAuditStore } from './metrics/instrumented-audit-store.js';
import { instrumentSlackPoster } from './metrics/instrumented-slack-poster.js';
import { instrumentWdt } from './metrics/instrumented-wdt.js';
import { auditStoreProbe } from './metrics/store-probe.js';
import { createOperatorControls } from './operator-controls.js';
import { readinessChecks, readinessNotes } from './readiness.js';
import { createReconcileLoop } from './reconcile-loop.js';
import { createSlackApiPoster } from './slack/api-poster.js';
import {
  createChainHeadWitness,
  startChainHeadWitness,
  type WitnessPassOutcome,
} from './slack/chain-head-witness.js';
import { createSlackChannelMembership } from './slack/channel-membership.js';
import { createSlackChatClient, ONE_TRY } from './slack/chat-client.js';
import { CommandAdmission } from './slack/command-admission.js';
import { createBoltApp } from './slack/create-bolt-app.js';
import { createSlackDirectory } from './slack/directory.js';
import { makeEntryPointHandlers } from './slack/entry-point-handlers.js';
import { makeAppHomeOpenedHandler } from './slack/handlers/app-home-opened.js';
import { makeApproveButtonHandler } from './slack/handlers/approve-button.js';
import { makeConfirmSubmissionHandler } from './slack/handlers/confirm-submission.js';
import { makeRejectButtonHandler } from './slack/handlers/reject-button.js';
import { makeRejectSubmissionHandler } from './slack/handlers/reject-submission.js';
import { makeSlashCommandHandler } from './slack/handlers/slash-command.js';
import { makeUnknownViewHandler } from './slack/handlers/unknown-view.js';
import { makeHomePublisher } from './slack/home-publisher.js';
import { createSlackIdentity } from './slack/identity.js';
import { metricsRoute } from './slack/metrics-route.js';
import { makeConfirmationOpener } from './slack/open-confirmation.js';
import { wakeOnOwed } from './slack/outbox/wake-on-owed.js';
import { createOutboxWorker } from './slack/outbox/worker.js';
import { createSeals } from './slack/private-metadata.js';
import { createReaderTexts } from './slack/reader-locales.js';
import { auditForeignRequest, routeSlackRequests } from './slack/route-requests.js';
import { textsFor } from './slack/texts/index.js';
import { createSlackViewsClient } from './slack/views-client.js';
import { createWorkflowStepCompleter } from './slack/workflow-step-completer.js';
import { createWdtClient } from './wdt/client.js';
import { resyncOnTimestampRefusal } from './wdt/resync-on-timestamp-refusal.js';
import { SkewClock } from './wdt/skew-clock.js';

/** A command whose dialog has not started opening this close to the trigger id's 3 s is shed. */
const TRIGGER_BUDGET_MS = 2_500;
const CLOCK_SYNC_MS = 5 * 60_000;
const EXPIRY_SWEEP_MS = 60_000;
/** Start-up waits this long for the first auth.test; a slower or failing one goes on in the background. */
const IDENTITY_WAIT_MS = 2_000;
/** WDT calls in flight at once for one batch: well inside the vendor's per-minute limits. */
const BATCH_CONCURRENCY = 2;
/** The store-backed gauges are read at most this often, and a scrape waits this long for them at most. */
const STORE_GAUGES = { maxAgeMs: 5_000, waitMs: 1_000 };

export interface BotOverrides {
  logger: Logger;
  clock?: Clock;
  /**
   * Judges the 5-minute window of Slack's request timestamps (default: the system clock). Apart from `clock`,
   * which tests move forward to expire approvals while Slack's requests keep real time.
   */
  requestClock?: Clock;
  /** Shed commands this long after arrival (tests set it below zero to see the late shedding). */
  triggerBudgetMs?: number;
  /**
   * The SQLite store's clock, for tests that move time past an approval's expiry: the store judges ages by
   * its own clock (PostgreSQL by the server's, which no test moves).
   */
  storeClock?: SharedClock;
}

export interface Bot {
  start(): Promise<{ port: number | null }>;
  /** Stops taking commands, lets in-flight cancels finish (bounded), closes everything. */
  stop(): Promise<{ drained: boolean }>;
  /** One pass of the approval expiry sweep (it also runs every minute); resolves to how many expired. */
  expireApprovals(): Promise<number>;
  /** One pass of the chain-head witness (it also runs every AUDIT_WITNESS_MINUTES). */
  witnessChainHead(): Promise<WitnessPassOutcome>;
}

/** The composition root: builds every port and adapter from the config and wires them together. */
export async function createBot(config: Config, overrides: BotOverrides): Promise<Bot> {
  const { logger } = overrides;
  const clock = overrides.clock ?? systemClock;
  const newId = idFactory();
  // This process among its replicas: stamped on the calls it makes, kept live by its lease (reconcile-loop).
  const instanceId = newId();
  const texts = textsFor(config.BOT_LOCALE);
  const metrics = createBotMetrics({ storeGauges: STORE_GAUGES });

  const openedAudit = await openAuditStoreWhenReady({
    databaseUrl: config.DATABASE_URL,
    sqlitePath: config.AUDIT_DB_PATH,
    logger,
    ...(overrides.storeClock ? { sqliteClock: overrides.storeClock } : {}),
    // Wherever the logs are shipped, they hold a witness of every entry for `audit verify --witness`, also of
    // those no Slack message shows (requests, refusals): cutting them from the database shows.
    onCommitted: (entry) => {
      logger.info(
        {
          audit: { seq: entry.seq, hash: entry.hash, event: entry.event, attemptId: entry.record.attemptId },
        },
        'audit entry committed',
      );
      metrics.noteCommitted(entry);
    },
  });
  // A write that owes a message wakes the outbox worker (defined below) at once.
  const audit = wakeOnOwed(instrumentAuditStore(openedAudit, metrics), () => void outbox.pass());
  // Signs with WDT's time, not ours: a machine whose clock drifted minutes still gets its cancels through.
  const wdtClock = new SkewClock({ base: clock, logger });
  const wdtClient = createWdtClient({
    baseUrl: config.WDT_BASE_URL,
    sid: config.WDT_SID,
    appKey: config.WDT_APP_KEY,
    appSecret: config.WDT_APP_SECRET,
    timeoutMs: config.WDT_TIMEOUT_MS,
    clock: wdtClock,
    logger: logger.child({ component: 'wdt' }),
  });
  const wdt = resyncOnTimestampRefusal(instrumentWdt(wdtClient, metrics), wdtClock);
  const inFlight = new InFlight();

  // auth.test is retried in the background until it succeeds; until then Bolt runs no listener.
  const identity = createSlackIdentity({
    botToken: config.SLACK_BOT_TOKEN,
    authTest: () => client.auth.test(),
    configuredAppId: config.SLACK_APP_ID,
    logger,
  });
  const bolt = createBoltApp({
    botToken: config.SLACK_BOT_TOKEN,
    signingSecret: config.SLACK_SIGNING_SECRET,
    appToken: config.SLACK_APP_TOKEN,
    port: config.PORT,
    host: config.HOST,
    routes: [metricsRoute(metrics.registry, config.METRICS_TOKEN)],
    slackApiUrl: config.SLACK_API_URL,
    logger,
    clock: overrides.requestClock ?? systemClock,
    authorize: identity.authorize,
    readinessChecks: readinessChecks({
      accepting: () => inFlight.accepting,
      audit: openedAudit,
      identity,
      lease: () => reconciler.lease.status(),
    }),
    readinessNotes: readinessNotes({ outbox: () => openedAudit.outboxSummary() }),
  });
  const { app, client } = bolt;

  const policy = createCancelPolicy({
    allow: { users: config.CANCEL_ALLOWED_USERS, usergroups: config.CANCEL_ALLOWED_USERGROUPS },
    approvers: { users: config.CANCEL_APPROVERS, usergroups: config.CANCEL_APPROVER_GROUPS },
    admins: { users: config.CANCEL_ADMINS, usergroups: config.CANCEL_ADMIN_USERGROUPS },
    channels: config.CANCEL_ALLOWED_CHANNELS,
    directory: createSlackDirectory({ client, clock }),
  });
  // Dialog and button data, sealed with a key derived from the signing secret, each for one purpose and a time.
  const seals = createSeals({
    key: config.SLACK_SIGNING_SECRET,
    clock,
    approvalTtlMs: config.APPROVAL_TTL_MINUTES * 60_000,
  });
  const slackApi = instrumentSlackPoster(
    createSlackApiPoster({ token: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL }),
    metrics,
  );
  const recordRefusal = makeRefusedRequestRecorder({ audit, clock, newId, wdtHost: wdt.environment.host });
  const chat = createSlackChatClient(slackApi);
  // Operators' pause (issue 18): read from the store every second; the cancel paths read the cached view.
  const controls = createOperatorControls({ audit, policy, recordRefusal, clock, wdt, logger });
  const { pause } = controls;
  metrics.watchPause(pause);
  const timings = callTimings(config, BATCH_CONCURRENCY);
  const settings = {
    lookupDays: config.LOOKUP_DAYS,
    allowUnverified: config.ALLOW_UNVERIFIED,
    approvalMode: config.APPROVAL_MODE,
    approvalTtlMs: config.APPROVAL_TTL_MINUTES * 60_000,
    concurrency: BATCH_CONCURRENCY,
    callBudget: { checkMs: timings.checkMs, sendMs: timings.sendMs },
  };
  const { execution, cancel, approvals } = createCancelCore({
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
  const steps = createWorkflowStepCompleter({ api: slackApi, audit, texts, clock, logger });
  const witness = createChainHeadWitness({
    audit,
    chat,
    channelId: config.AUDIT_CHANNEL_ID,
    texts,
    clock,
    logger,
  });
  let witnessTimer: { stop(): void } | undefined;
  // Every message the product owes is written with the state that owes it; this delivers them (every replica).
  const outbox = createOutboxWorker({
    audit,
    api: slackApi,
    chat: createSlackChatClient(slackApi, ONE_TRY),
    texts,
    environment: wdt.environment,
    seals,
    approvalTtlMs: settings.approvalTtlMs,
    auditChannelId: config.AUDIT_CHANNEL_ID,
    instanceId,
    timers: systemTimers,
    clock,
    logger: logger.child({ component: 'outbox' }),
    metrics: metrics.outbox,
  });
  const views = createSlackViewsClient(slackApi);
  const channels = createSlackChannelMembership({ client, clock });
  const readers = createReaderTexts({ client, fallback: config.BOT_LOCALE, clock, logger });
  const publishHome = makeHomePublisher({ audit, approvals, policy, channels, readers, seals, logger });

  const preview = {
    lookupDays: config.LOOKUP_DAYS,
    approvalMode: config.APPROVAL_MODE,
    approvalTtlMinutes: config.APPROVAL_TTL_MINUTES,
  };
  const { environment } = wdt;
  const openConfirmation = makeConfirmationOpener({ cancel, environment, seals, preview, views, logger });
  // One admission for every way a dialog is asked for: a burst of shortcuts sheds like a burst of commands.
  const admission = new CommandAdmission(
    {
      perSecond: config.COMMANDS_PER_SECOND,
      burst: config.COMMAND_BURST,
      maxInFlight: config.COMMANDS_IN_FLIGHT,
    },
    logger,
  );
  const reconciler = createReconcileLoop({
    longestCallMs: timings.longestCallMs,
    staleStepMs: timings.staleStepMs,
    isRunningHere: execution.isRunning,
    instanceId,
    wdt,
    audit,
    clock,
    logger,
    steps,
  });
  metrics.watchStore(auditStoreProbe(audit, { stuckAfterMs: reconciler.longestCallMs }));
  routeSlackRequests(
    app,
    {
      cancelStockin: makeSlashCommandHandler({
        openConfirmation,
        policy,
        readers,
        maxOrders: config.MAX_BATCH,
        askWhom: texts.askWhomDefault,
        preview,
        inFlight,
        admission,
        triggerBudgetMs: overrides.triggerBudgetMs ?? TRIGGER_BUDGET_MS,
        operatorCommand: controls.commands({ execution, reconciler }),
        countCommand: metrics.countCommand,
        logger,
      }),
      confirmSubmission: makeConfirmSubmissionHandler({
        cancel,
        views,
        inFlight,
        readers,
        environment,
        seals,
        logger,
      }),
      rejectSubmission: makeRejectSubmissionHandler({ approvals, readers, seals, logger }),
      unknownView: makeUnknownViewHandler({ texts, logger }),
      approveButton: makeApproveButtonHandler({ approvals, publishHome, readers, seals, logger }),
      rejectButton: makeRejectButtonHandler({ approvals, readers, seals, logger }),
      homeOpened: makeAppHomeOpenedHandler({ publishHome }),
      ...makeEntryPointHandlers({
        openConfirmation,
        readers,
        views,
        maxOrders: config.MAX_BATCH,
        allowedChannels: config.CANCEL_ALLOWED_CHANNELS,
        inFlight,
        admission,
        cancel,
        audit,
        steps,
        texts,
        logger,
      }),
    },
    {
      identity: identity.current,
      refusalText: texts.foreignWorkspace,
      refuse: auditForeignRequest(recordRefusal, logger),
    },
  );
  app.error(async (error) => {
    logger.error({ err: error }, 'unhandled error in a Slack listener');
  });

  let clockTimer: NodeJS.Timeout | undefined;
  let expiryTimer: NodeJS.Timeout | undefined;
  const expireApprovals = () =>
    approvals.expireDue().catch((error: unknown) => {
      logger.error({ err: error }, 'approval expiry sweep failed; will try again');
      return 0;
    });

  return {
    async start() {
      for (const warning of transportWarnings(config))
        logger.warn({ wdtHost: wdt.environment.host }, warning);
      if (!policy.configured) {
        logger.warn(
          'Nobody may cancel stock-in orders: set CANCEL_ALLOWED_USERS or CANCEL_ALLOWED_USERGROUPS. Every request will be refused.',
        );
      }
      const leased = reconciler.takeLease();
      // Requests that come before auth.test has answered are refused: give it a moment, never more.
      await withDeadline(identity.start(), IDENTITY_WAIT_MS, () => undefined);
      await wdtClock.measure(wdt);
      await pause.begin();
      clockTimer = setInterval(() => void wdtClock.measure(wdt), CLOCK_SYNC_MS);
      clockTimer.unref();
      const server = await bolt.start();
      const address = server.address() as AddressInfo | null;
      const port = address && typeof address === 'object' ? address.port : null;
      logger.info(
        {
          port,
          mode: config.SLACK_APP_TOKEN ? 'socket' : 'http',
          wdtHost: wdt.environment.host,
          audit: audit.backend,
          instanceId,
        },
        'cancel-stockin is up',
      );
      await leased;
      await reconciler.start();
      outbox.start();
      expiryTimer = setInterval(expireApprovals, EXPIRY_SWEEP_MS);
      expiryTimer.unref();
      witnessTimer = startChainHeadWitness(witness, {
        everyMs: config.AUDIT_WITNESS_MINUTES * 60_000,
        channelId: config.AUDIT_CHANNEL_ID,
        logger,
      });
      return { port };
    },
    async stop() {
      clearInterval(expiryTimer);
      pause.stop();
      witnessTimer?.stop();
      await reconciler.stop();
      clearInterval(clockTimer);
      identity.stop();
      const drained = await inFlight.drain(config.SHUTDOWN_GRACE_MS);
      // After the drain: the outcomes of the cancels that finished meanwhile go out now if Slack takes them.
      await outbox.stop();
      await bolt
        .stop()
        .catch((error: unknown) => logger.warn({ err: error }, 'Slack receiver did not stop cleanly'));
      await slackApi.close();
      await wdt.close();
      await reconciler.dropLease();
      await audit.close();
      return { drained };
    },
    expireApprovals,
    witnessChainHead: () => witness.publishOnce(),
  };
}
